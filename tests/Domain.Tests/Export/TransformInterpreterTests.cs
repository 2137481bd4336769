using RosterSync.Domain.Export;
using static RosterSync.Domain.Export.TransformFunctions;

namespace RosterSync.Domain.Tests.Export;

/// <summary>SPEC §6: the transform catalogue, evaluated as data with bounded size and depth.</summary>
public class TransformInterpreterTests
{
    private static readonly DateOnly Today = new(2026, 12, 5);

    private static readonly Dictionary<string, string?> Source = new()
    {
        ["student.firstName"] = "Zoë", ["student.lastName"] = "Ørsted", ["student.middleName"] = null,
        ["student.birthDate"] = "09/01/2007", ["student.gender"] = "Female", ["guardian1.phone"] = "1-555-201-3344",
        ["address.street"] = "12 Oak St, Apt 4",
    };

    private static TransformNode F(string field) => new(TransformFunctions.Field, Field: field);

    private static string? Eval(TransformNode node) => TransformInterpreter.Evaluate(node, Source, Today);

    [Fact]
    public void Date_turns_the_forms_date_into_ISO() => Assert.Equal("2007-09-01", Eval(new(Date, [F("student.birthDate")])));

    [Fact]
    public void Date_with_an_input_format_refuses_a_value_in_another() =>
        Assert.Throws<TransformException>(() => Eval(new(Date, [F("student.birthDate")], Format: "dd.MM.yyyy")));

    [Fact]
    public void Today_lower_upper_constant()
    {
        Assert.Equal("12/05/2026", Eval(new(TransformFunctions.Today, Format: "MM/dd/yyyy")));
        Assert.Equal("zoë", Eval(new(Lower, [F("student.firstName")])));
        Assert.Equal("ZOË", Eval(new(Upper, [F("student.firstName")])));
        Assert.Equal("US", Eval(new(Constant, Value: "US")));
    }

    [Fact]
    public void Join_skips_empty_values_and_pick_takes_the_first_non_empty()
    {
        Assert.Equal("Zoë Ørsted", Eval(new(Join, [F("student.firstName"), F("student.middleName"), F("student.lastName")])));
        Assert.Equal("Zoë", Eval(new(Pick, [F("student.middleName"), F("student.firstName")])));
    }

    [Fact]
    public void Split_and_substitute()
    {
        Assert.Equal("Apt 4", Eval(new(Split, [F("address.street")], Separator: ",", Index: 1)));
        Assert.Null(Eval(new(Split, [F("address.street")], Separator: ",", Index: 5)));
        Assert.Equal("12 Oak Street, Apt 4", Eval(new(Substitute, [F("address.street")], Find: "St,", Replace: "Street,")));
    }

    [Fact]
    public void If_then_else_on_equals_and_on_empty()
    {
        Assert.Equal("F", Eval(new(If, [F("student.gender"), new(Constant, Value: "F"), new(Constant, Value: "M")], Condition: "equals", Value: "female")));
        Assert.Equal("none", Eval(new(If, [F("student.middleName"), new(Constant, Value: "none"), F("student.middleName")], Condition: "empty")));
    }

    [Fact]
    public void Phone_number_fills_the_pattern_and_refuses_too_few_digits()
    {
        Assert.Equal("(555) 201-3344", Eval(new(Phone, [F("guardian1.phone")])));
        Assert.Equal("555.201.3344", Eval(new(Phone, [F("guardian1.phone")], Format: "###.###.####")));
        Assert.Throws<TransformException>(() => Eval(new(Phone, [new(Constant, Value: "201-33")])));
    }

    [Fact]
    public void School_year_starts_on_the_first_of_July()
    {
        Assert.Equal("2026-2027", Eval(new(SchoolYear)));
        Assert.Equal("2027", Eval(new(SchoolYear, Format: "end")));
        Assert.Equal("2007-2008", Eval(new(SchoolYear, [F("student.birthDate")])));
    }

    [Fact]
    public void Transliterate_removes_diacritics_and_spells_out_letters() =>
        Assert.Equal("Zoe Orsted", Eval(new(Transliterate, [new(Join, [F("student.firstName"), F("student.lastName")])])));

    [Fact]
    public void Check_names_unknown_functions_wrong_arity_and_unknown_fields_by_path()
    {
        var errors = TransformInterpreter.Check(new(Join, [new("eval", Value: "1+1"), new(Lower), F("student.shoeSize")]));
        Assert.Contains("transform.args[0]", errors.Keys);
        Assert.Contains("transform.args[1]", errors.Keys);
        Assert.Contains("transform.args[2]", errors.Keys);
    }

    [Fact]
    public void Check_bounds_depth_and_size()
    {
        var deep = F("student.firstName");
        for (var i = 0; i < TransformInterpreter.MaxDepth; i++) deep = new(Lower, [deep]);
        Assert.NotEmpty(TransformInterpreter.Check(deep));

        var wide = new TransformNode(Join, [.. Enumerable.Range(0, 16).Select(_ => new TransformNode(Join, [.. Enumerable.Range(0, 5).Select(_ => F("student.firstName"))]))]);
        Assert.Contains("more than", string.Join(" ", TransformInterpreter.Check(wide).Values).Replace("at most", "more than", StringComparison.Ordinal));
        Assert.Empty(TransformInterpreter.Check(new(Join, [F("student.firstName"), F("student.lastName")])));
    }
}
