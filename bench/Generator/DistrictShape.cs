namespace RosterSync.Bench.Generator;

/// <summary>How big a synthetic district is. Presets follow issue 4's district L; M and S are for iterating.</summary>
internal sealed record DistrictShape(int Schools, int Students, int Staff, int Guardians, int Classes, int Enrollments)
{
    public static DistrictShape L { get; } = new(200, 500_000, 40_000, 400_000, 60_000, 3_000_000);
    public static DistrictShape M { get; } = new(40, 100_000, 8_000, 80_000, 12_000, 600_000);
    public static DistrictShape S { get; } = new(10, 5_000, 400, 4_000, 600, 30_000);

    public static DistrictShape? Preset(string name) => name.ToUpperInvariant() switch
    {
        "L" => L,
        "M" => M,
        "S" => S,
        _ => null,
    };

    /// <summary>Three quarters of the staff teach; every class has one teacher.</summary>
    public int Teachers => Math.Max(1, Staff * 3 / 4);

    public int People => Students + Staff + Guardians;

    /// <summary>Student enrollments: every enrollment that is not a class's teacher.</summary>
    public int StudentEnrollments => Enrollments - Classes;

    public void Validate()
    {
        if (Schools < 1 || Students < 1 || Staff < 1 || Guardians < 0 || Classes < Schools)
        {
            throw new ArgumentException("Need at least one school, student and staff member, and at least one class per school.");
        }

        if (StudentEnrollments < 0)
        {
            throw new ArgumentException("Enrollments must be at least the number of classes (one teacher per class).");
        }

        var perStudent = (StudentEnrollments + Students - 1) / Students;
        if (perStudent > Classes / Schools)
        {
            throw new ArgumentException($"{perStudent} classes per student, but a school has only {Classes / Schools} classes.");
        }
    }

    public override string ToString() =>
        $"{Schools} schools, {Students:N0} students, {Staff:N0} staff, {Guardians:N0} guardians, {Classes:N0} classes, {Enrollments:N0} enrollments";
}
