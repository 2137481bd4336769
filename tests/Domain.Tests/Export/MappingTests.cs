using System.Text.Json.Nodes;
using RosterSync.Domain.Export;

namespace RosterSync.Domain.Tests.Export;

/// <summary>SPEC §6: target fields read from an OpenAPI document, payloads built from mappings, and the mapping validation.</summary>
public class MappingTests
{
    private const string Students = "POST /students";
    private static readonly DateOnly Today = new(2026, 12, 5);
    private static readonly TargetOperation[] Operations = [new("POST", "/students"), new("POST", "/studentSchoolAssociations")];

    private const string Document = """
        {"openapi":"3.1.0","paths":{
          "/students":{"post":{"requestBody":{"content":{"application/json":{"schema":{"$ref":"#/components/schemas/Student"}}}}}},
          "/studentSchoolAssociations":{"post":{"requestBody":{"content":{"application/json":{"schema":{"type":"object","required":["schoolReference"],
            "properties":{"schoolReference":{"type":"object","required":["schoolId"],"properties":{"schoolId":{"type":"integer"}}}}}}}}}}},
         "components":{"schemas":{
          "Student":{"allOf":[{"$ref":"#/components/schemas/Named"}],"type":"object","required":["studentUniqueId","birthDate","emails"],"properties":{
            "studentUniqueId":{"type":"string","maxLength":8},
            "birthDate":{"type":"string","format":"date"},
            "sex":{"type":["string","null"],"enum":["F","M"]},
            "addresses":{"type":"array","items":{"type":"object","required":["city"],"properties":{"city":{"type":"string"}}}},
            "emails":{"type":"array","minItems":1,"items":{"type":"string","format":"email"}}}},
          "Named":{"type":"object","required":["firstName"],"properties":{"firstName":{"type":"string"}}}}}}
        """;

    private static readonly List<TargetField> Targets = TargetSchemaReader.Read(Document, Operations);

    private static Dictionary<string, string?> Registration(string gender = "Female", string birth = "09/01/2007") => new()
    {
        ["student.firstName"] = "Ana", ["student.birthDate"] = birth, ["student.gender"] = gender, ["student.localId"] = "100234",
        ["student.email"] = "ana@x.org", ["school.identifier"] = "255901", ["address.city"] = null,
    };

    private static readonly List<FieldMapping> Complete =
    [
        new(Students, "studentUniqueId", MappingTypes.Direct, "student.localId"),
        new(Students, "firstName", MappingTypes.Direct, "student.firstName"),
        new(Students, "birthDate", MappingTypes.Transform, Transform: new(TransformFunctions.Date, [new(TransformFunctions.Field, Field: "student.birthDate")])),
        new(Students, "sex", MappingTypes.Codes, "student.gender", new Dictionary<string, string> { ["Female"] = "F", ["Male"] = "M" }),
        new(Students, "emails[0]", MappingTypes.Direct, "student.email"),
        new(Students, "addresses[0].city", MappingTypes.Direct, "address.city"),
        new("POST /studentSchoolAssociations", "schoolReference.schoolId", MappingTypes.Direct, "school.identifier"),
    ];

    [Fact]
    public void Target_fields_follow_references_allOf_nested_objects_and_arrays()
    {
        Assert.Equal(
            ["studentUniqueId", "birthDate", "sex", "addresses[0].city", "emails[0]", "firstName"],
            Targets.Where(t => t.Operation == Students).Select(t => t.Path));
        var byPath = Targets.ToDictionary(t => t.Path);
        Assert.True(byPath["studentUniqueId"].Required);
        Assert.True(byPath["firstName"].Required);
        Assert.False(byPath["addresses[0].city"].Required);
        Assert.True(byPath["emails[0]"].Required);
        Assert.Equal("date", byPath["birthDate"].Format);
        Assert.Equal(["F", "M"], byPath["sex"].Enum!);
        Assert.Equal("integer", byPath["schoolReference.schoolId"].Type);
        Assert.True(byPath["schoolReference.schoolId"].Required);
    }

    [Fact]
    public void An_operation_the_document_lacks_is_named() =>
        Assert.Contains("POST /guardians", Assert.Throws<FormatException>(() => TargetSchemaReader.Read(Document, [new("POST", "/guardians")])).Message);

    [Fact]
    public void Map_builds_each_operations_body_with_nested_objects_arrays_and_typed_values()
    {
        var mapped = PayloadMapper.Map(Operations, Targets, Complete, Registration(), Today);

        Assert.Empty(mapped.Errors);
        Assert.Equal("""{"studentUniqueId":"100234","firstName":"Ana","birthDate":"2007-09-01","sex":"F","emails":["ana@x.org"]}""",
            mapped.Payloads[0].Body.ToJsonString());
        Assert.Equal("""{"schoolReference":{"schoolId":255901}}""", mapped.Payloads[1].Body.ToJsonString());
        Assert.Equal("09/01/2007", mapped.Values.Single(v => v.Target == "birthDate").SourceValue);
        Assert.Equal(mapped.Hash(), PayloadMapper.Map(Operations, Targets, Complete, Registration(), Today).Hash());
        Assert.NotEqual(mapped.Hash(), PayloadMapper.Map(Operations, Targets, Complete, Registration(birth: "09/02/2007"), Today).Hash());
    }

    [Fact]
    public void Map_names_the_fields_a_registration_cannot_fill()
    {
        var mapped = PayloadMapper.Map(Operations, Targets, Complete, Registration(gender: "Non-binary", birth: "not a date"), Today);
        Assert.Contains("POST /students birthDate", mapped.Errors.Keys);
        Assert.Contains("POST /students sex", mapped.Errors.Keys);
    }

    [Fact]
    public void Validation_names_unmapped_required_targets()
    {
        var problems = MappingValidator.Validate(Targets, Complete.Where(m => m.Target != "firstName").ToList(), [Registration()], Today);
        var problem = Assert.Single(problems);
        Assert.Equal((MappingProblems.UnmappedRequired, "firstName"), (problem.Kind, problem.Target));
    }

    [Fact]
    public void Validation_names_type_and_format_mismatches()
    {
        var mappings = Complete.Select(m => m.Target switch
        {
            "birthDate" => m with { Type = MappingTypes.Direct, Source = "student.birthDate", Transform = null },
            "schoolReference.schoolId" => m with { Source = "school.name" },
            _ => m,
        }).ToList();
        var registration = Registration();
        registration["school.name"] = "Lincoln High";
        var problems = MappingValidator.Validate(Targets, mappings, [registration], Today);
        Assert.Equal(["birthDate", "schoolReference.schoolId"], problems.Select(p => p.Target).Order());
        Assert.All(problems, p => Assert.Equal(MappingProblems.TypeMismatch, p.Kind));
    }

    [Fact]
    public void Validation_names_enum_values_the_target_would_refuse()
    {
        var mappings = Complete.Select(m => m.Target == "sex" ? m with { Codes = new Dictionary<string, string> { ["Female"] = "Female", ["Male"] = "M" } } : m).ToList();
        var problem = Assert.Single(MappingValidator.Validate(Targets, mappings, [Registration()], Today));
        Assert.Equal((MappingProblems.EnumRefused, "sex"), (problem.Kind, problem.Target));
        Assert.Equal(["Female"], problem.Values!);
    }

    [Fact]
    public void Validation_names_code_tables_missing_values_present_in_the_registrations()
    {
        var problem = Assert.Single(MappingValidator.Validate(Targets, Complete, [Registration(), Registration("Non-binary"), Registration("Male")], Today));
        Assert.Equal((MappingProblems.CodesMissing, "sex"), (problem.Kind, problem.Target));
        Assert.Equal(["Non-binary"], problem.Values!);
    }

    [Fact]
    public void Validation_names_unknown_targets_and_sources_and_bad_transforms()
    {
        List<FieldMapping> mappings =
        [
            .. Complete.Where(m => m.Target is not ("firstName" or "birthDate")),
            new(Students, "shoeSize", MappingTypes.Direct, "student.firstName"),
            new(Students, "firstName", MappingTypes.Direct, "student.nickname"),
            new(Students, "birthDate", MappingTypes.Transform, Transform: new("python", Value: "__import__('os')")),
        ];
        var kinds = MappingValidator.Validate(Targets, mappings, [Registration()], Today).ToDictionary(p => p.Target, p => p.Kind);
        Assert.Equal(MappingProblems.UnknownTarget, kinds["shoeSize"]);
        Assert.Equal(MappingProblems.UnknownSource, kinds["firstName"]);
        Assert.Equal(MappingProblems.InvalidMapping, kinds["birthDate"]);
    }

    [Fact]
    public void Catalogue_validation_checks_types_options_and_required_answers_on_submit()
    {
        var answers = JsonNode.Parse("""{"student":{"firstName":"Ana","birthDate":"2007-31-31","gender":"F","shoeSize":"9"},"pets":"cat"}""")!.AsObject();
        var draft = FieldCatalogue.Validate(answers, complete: false);
        Assert.Equal(["answers.pets", "answers.student.birthDate", "answers.student.gender", "answers.student.shoeSize"], draft.Keys.Order());
        var submitted = FieldCatalogue.Validate(answers, complete: true);
        Assert.Contains("answers.student.lastName", submitted.Keys);
        Assert.Contains("answers.enrollment.grade", submitted.Keys);
    }
}
