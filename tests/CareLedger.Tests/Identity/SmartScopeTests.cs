using CareLedger.Identity.Scopes;

namespace CareLedger.Tests.Identity;

public sealed class SmartScopeTests
{
    public static TheoryData<string, SmartContext, string, SmartPermissions, string> ResourceScopes => new()
    {
        { "patient/Observation.rs", SmartContext.Patient, "Observation", SmartPermissions.Read | SmartPermissions.Search, "patient/Observation.rs" },
        { "user/*.cruds", SmartContext.User, "*", SmartPermissions.All, "user/*.cruds" },
        { "system/Patient.r", SmartContext.System, "Patient", SmartPermissions.Read, "system/Patient.r" },
        { "user/Consent.cud", SmartContext.User, "Consent", SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete, "user/Consent.cud" },
        { "patient/*.read", SmartContext.Patient, "*", SmartPermissions.Read | SmartPermissions.Search, "patient/*.rs" },
        { "user/Observation.write", SmartContext.User, "Observation", SmartPermissions.Create | SmartPermissions.Update | SmartPermissions.Delete, "user/Observation.cud" },
        { "system/*.*", SmartContext.System, "*", SmartPermissions.All, "system/*.cruds" },
        { "patient/Observation.rs?category=laboratory", SmartContext.Patient, "Observation", SmartPermissions.Read | SmartPermissions.Search, "patient/Observation.rs?category=laboratory" },
    };

    [Theory]
    [MemberData(nameof(ResourceScopes))]
    public void Resource_scopes_parse_into_context_type_and_permissions(string text, SmartContext context, string type, SmartPermissions permissions, string canonical)
    {
        var scope = SmartScope.Parse(text);
        Assert.Equal(SmartScopeKind.Resource, scope.Kind);
        Assert.Equal(context, scope.Context);
        Assert.Equal(type, scope.ResourceType);
        Assert.Equal(permissions, scope.Permissions);
        Assert.Equal(canonical, scope.Canonical);
        Assert.Equal(text, scope.Text);
    }

    [Theory]
    [InlineData("openid", SmartScopeKind.OpenId)]
    [InlineData("fhirUser", SmartScopeKind.FhirUser)]
    [InlineData("offline_access", SmartScopeKind.OfflineAccess)]
    [InlineData("online_access", SmartScopeKind.OnlineAccess)]
    [InlineData("launch/patient", SmartScopeKind.LaunchPatient)]
    public void Identity_and_launch_scopes_are_recognised(string text, SmartScopeKind kind)
    {
        var scope = SmartScope.Parse(text);
        Assert.Equal(kind, scope.Kind);
        Assert.Equal(SmartContext.None, scope.Context);
        Assert.False(scope.IsResourceScope);
    }

    [Fact]
    public void Granular_search_parameters_are_decoded_and_kept_in_order()
    {
        var scope = SmartScope.Parse("patient/Observation.rs?category=http://terminology.hl7.org/CodeSystem/observation-category%7Cvital-signs&code=1234-5");
        Assert.Equal(
            [new("category", "http://terminology.hl7.org/CodeSystem/observation-category|vital-signs"), new("code", "1234-5")],
            scope.Filter);
        Assert.Equal("category=http://terminology.hl7.org/CodeSystem/observation-category%7Cvital-signs&code=1234-5", scope.Query);
    }

    [Fact]
    public void A_v1_scope_equals_its_v2_spelling()
    {
        Assert.Equal(SmartScope.Parse("patient/*.rs"), SmartScope.Parse("patient/*.read"));
        Assert.NotEqual(SmartScope.Parse("patient/*.rs"), SmartScope.Parse("patient/*.r"));
    }

    [Theory]
    [InlineData("", "empty")]
    [InlineData("profile", "unknown scope")]
    [InlineData("practitioner/*.rs", "'practitioner' is not a scope context")]
    [InlineData("patient/Observation", "missing '.'")]
    [InlineData("patient/Observation.", "no permission letters")]
    [InlineData("patient/Observation.x", "'x' is not a permission letter")]
    [InlineData("patient/Observation.sr", "in the order c r u d s")]
    [InlineData("patient/Observation.rrs", "in the order c r u d s")]
    [InlineData("patient/Observaton.rs", "'Observaton' is not a FHIR R4 resource type")]
    [InlineData("patient/observation.rs", "'observation' is not a FHIR R4 resource type")]
    [InlineData("patient/Resource.rs", "'Resource' is not a FHIR R4 resource type")]
    [InlineData("patient/*.read?category=laboratory", "v1 scopes")]
    [InlineData("patient/Observation.rs?category", "not name=value")]
    [InlineData("patient/Observation.rs?", "empty search parameters")]
    public void Malformed_scopes_are_refused_with_the_reason(string text, string reason)
    {
        Assert.False(SmartScope.TryParse(text, out var scope, out var error));
        Assert.Null(scope);
        Assert.Contains(reason, error, StringComparison.Ordinal);
        var thrown = Assert.Throws<FormatException>(() => SmartScope.Parse(text));
        Assert.Contains(reason, thrown.Message, StringComparison.Ordinal);
    }
}
