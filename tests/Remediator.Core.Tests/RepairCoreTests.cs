using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;

namespace Remediator.Core.Tests;

/// <summary>The pure parts of repair: IAM wildcards, policy evaluation, integration parsing, the plan.</summary>
public class RepairCoreTests
{
    private const string Arn = "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}";

    [Theory]
    [InlineData("*", "anything", true)]
    [InlineData("a1b2c3d4e5/*", "a1b2c3d4e5/prod/GET/books/{id}", true)]
    [InlineData("a1b2c3d4e5/*/GET/*", "a1b2c3d4e5/prod/GET/books/{id}", true)]
    [InlineData("a1b2c3d4e5/*/POST/*", "a1b2c3d4e5/prod/GET/books/{id}", false)]
    [InlineData("a1b2c3d4e5/pro?/*", "a1b2c3d4e5/prod/GET/x", true)]
    [InlineData("a1b2c3d4e5/pro?/*", "a1b2c3d4e5/pr/GET/x", false)]
    [InlineData("", "", true)]
    [InlineData("abc", "ABC", false)]
    public void Matches_IamWildcards(string pattern, string value, bool expected) => ArnGlob.Matches(pattern, value).ShouldBe(expected);

    [Fact]
    public void Matches_HostilePattern_LinearTime()
    {
        var pattern = string.Concat(Enumerable.Repeat("*a", 5_000)) + "b";
        var value = new string('a', 20_000);

        ArnGlob.Matches(pattern, value).ShouldBeFalse(); // finishes: greedy matching with one backtrack point
    }

    [Fact]
    public void ArnLike_WildcardStaysInItsComponent()
    {
        ArnGlob.ArnLike("arn:aws:execute-api:*:123456789012:a1b2c3d4e5/*", Arn).ShouldBeTrue();
        ArnGlob.ArnLike("arn:aws:execute-api:us-east-1*:a1b2c3d4e5/*", Arn).ShouldBeFalse(); // '*' cannot swallow the account
    }

    public static TheoryData<string, bool, string?> Policies => new()
    {
        // Lambda's own rendering of a scoped grant
        { """{"Version":"2012-10-17","Statement":[{"Sid":"a","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*"}}}]}""", true, "a" },
        // another API
        { """{"Statement":[{"Sid":"b","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:zzzzzzzzzz/*"}}}]}""", false, null },
        // another stage only
        { """{"Statement":[{"Sid":"c","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/beta/*"}}}]}""", false, null },
        // no condition at all, action wildcard, principal list
        { """{"Statement":[{"Sid":"d","Effect":"Allow","Principal":{"Service":["events.amazonaws.com","apigateway.amazonaws.com"]},"Action":["lambda:*"]}]}""", true, "d" },
        // another principal
        { """{"Statement":[{"Sid":"e","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction"}]}""", false, null },
        // wrong account
        { """{"Statement":[{"Sid":"f","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"StringEquals":{"AWS:SourceAccount":"999999999999"}}}]}""", false, null },
        // StringLike on the SourceArn, as older consoles wrote
        { """{"Statement":[{"Sid":"g","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Condition":{"StringLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/books/*"}}}]}""", true, "g" },
        // a condition key we cannot evaluate: not taken as allowing
        { """{"Statement":[{"Sid":"h","Effect":"Allow","Principal":"*","Action":"lambda:InvokeFunction","Condition":{"StringEquals":{"aws:PrincipalOrgID":"o-abc"}}}]}""", false, null },
        // an explicit Deny beats the Allow
        { """{"Statement":[{"Sid":"i","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction"},{"Sid":"j","Effect":"Deny","Principal":"*","Action":"*"}]}""", false, null },
    };

    [Theory]
    [MemberData(nameof(Policies))]
    public void Evaluate_Policy_AllowsOnlyWhenAStatementCoversTheRequest(string policy, bool allowed, string? sid)
    {
        var verdict = PolicyEvaluator.Evaluate(policy, Arn, "123456789012");

        verdict.Allowed.ShouldBe(allowed);
        verdict.AllowSid.ShouldBe(allowed ? sid : verdict.AllowSid);
    }

    [Fact]
    public void Evaluate_NoPolicy_NotAllowed() => PolicyEvaluator.Evaluate(null, Arn, "123456789012").Allowed.ShouldBeFalse();

    [Theory]
    [InlineData("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books-api:live/invocations", "arn:aws:lambda:us-east-1:123456789012:function:books-api", "live")]
    [InlineData("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books-api:${stageVariables.alias}/invocations", "arn:aws:lambda:us-east-1:123456789012:function:books-api", "blue")]
    [InlineData("arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:${stageVariables.fn}/invocations", "arn:aws:lambda:us-east-1:123456789012:function:orders", null)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:checkout", "arn:aws:lambda:us-east-1:123456789012:function:checkout", null)]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:checkout:$LATEST", "arn:aws:lambda:us-east-1:123456789012:function:checkout", null)]
    public void Resolve_IntegrationUri_TheFunctionAndQualifier(string uri, string arn, string? qualifier)
    {
        var f = LambdaIntegrations.Resolve(uri, new Dictionary<string, string> { ["alias"] = "blue", ["fn"] = "orders" }).ShouldNotBeNull();

        f.Arn.ShouldBe(arn);
        f.Qualifier.ShouldBe(qualifier);
    }

    [Theory]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:books-api:${stageVariables.missing}")]
    [InlineData("arn:aws:lambda:us-east-1:123456789012:function:*")]
    [InlineData("https://example.com/books")]
    public void Resolve_UnresolvableOrWildcard_Null(string uri) =>
        LambdaIntegrations.Resolve(uri, new Dictionary<string, string>()).ShouldBeNull();

    [Fact]
    public void ParseRestResources_WireNamesAndPaging()
    {
        var json = """{"item":[{"id":"r1","path":"/books/{id}","resourceMethods":{"GET":{"httpMethod":"GET","methodIntegration":{"type":"AWS_PROXY","httpMethod":"POST","uri":"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books-api/invocations"}},"OPTIONS":{"httpMethod":"OPTIONS","methodIntegration":{"type":"MOCK"}}}},{"id":"r2","path":"/health","resourceMethods":{"GET":{"methodIntegration":{"type":"HTTP","uri":"http://example.com"}}}}],"position":"p2"}""";

        var (integrations, position) = LambdaIntegrations.ParseRestResources(json);

        integrations.ShouldHaveSingleItem().ShouldBe(new LambdaIntegration("GET", "/books/{id}", null,
            "arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/arn:aws:lambda:us-east-1:123456789012:function:books-api/invocations"));
        position.ShouldBe("p2");
    }

    [Fact]
    public void Plan_StatementIdSourceArnAndCommands()
    {
        var plan = new PermissionPlan(FunctionRef.TryParse("arn:aws-cn:lambda:cn-north-1:123456789012:function:books:live")!, "a1b2c3d4e5", "cn-north-1", "123456789012");

        plan.StatementId.ShouldBe("remediator-a1b2c3d4e5");
        plan.SourceArn.ShouldBe("arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/*");
        plan.ResourceArn.ShouldBe("arn:aws-cn:lambda:cn-north-1:123456789012:function:books:live");
        plan.AddCommand.ShouldContain("--qualifier live --statement-id remediator-a1b2c3d4e5");
        plan.UndoCommand.ShouldBe("aws lambda remove-permission --function-name arn:aws-cn:lambda:cn-north-1:123456789012:function:books --qualifier live --statement-id remediator-a1b2c3d4e5");
        PolicyEvaluator.Evaluate($$"""{"Statement":[{{plan.StatementJson}}]}""", "arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/prod/GET/x", "123456789012").Allowed.ShouldBeTrue();
    }
}
