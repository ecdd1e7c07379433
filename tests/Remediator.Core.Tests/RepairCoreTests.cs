using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
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
        plan.AddCommand.ShouldContain("--region cn-north-1 --function-name arn:aws-cn:lambda:cn-north-1:123456789012:function:books --qualifier live --statement-id remediator-a1b2c3d4e5");
        plan.UndoCommand.ShouldBe("aws lambda remove-permission --region cn-north-1 --function-name arn:aws-cn:lambda:cn-north-1:123456789012:function:books --qualifier live --statement-id remediator-a1b2c3d4e5");
        PolicyEvaluator.Evaluate($$"""{"Statement":[{{plan.StatementJson}}]}""", "arn:aws-cn:execute-api:cn-north-1:123456789012:a1b2c3d4e5/prod/GET/x", "123456789012").Allowed.ShouldBeTrue();
    }

    [Fact]
    public void Plan_Authorizer_ScopedToTheAuthorizerSourceArnOnly()
    {
        var plan = new PermissionPlan(FunctionRef.TryParse("arn:aws:lambda:us-east-1:123456789012:function:token-auth")!, "a1b2c3d4e5", "us-east-1", "123456789012", "au7x1k");

        plan.StatementId.ShouldBe("remediator-a1b2c3d4e5-authorizer-au7x1k");
        plan.SourceArn.ShouldBe("arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/au7x1k");
        var policy = $$"""{"Statement":[{{plan.StatementJson}}]}""";
        PolicyEvaluator.Evaluate(policy, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/au7x1k", "123456789012").Allowed.ShouldBeTrue();
        PolicyEvaluator.Evaluate(policy, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books", "123456789012").Allowed.ShouldBeFalse();
        PolicyEvaluator.Evaluate(policy, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/other1", "123456789012").Allowed.ShouldBeFalse();
    }

    public static TheoryData<string, string?, string?, string?, string[]> TargetCases => new()
    {
        // REST: route known → its integration and the authorizer of its method; route unknown → every function.
        { "rest", "/orders", "POST", null, ["orders (POST /orders)", "auth (authorizer token-auth (au7x1k))"] },
        { "rest", "/books/{id}", "GET", null, ["books:live (GET /books/{id})"] },
        { "rest", null, null, null, ["books:live (GET /books/{id})", "orders (POST /orders)", "auth (authorizer token-auth (au7x1k))"] },
        // A path the configuration does not have (an actual path, not a template): every function, said so.
        { "rest", "/books/42", "GET", null, ["books:live (GET /books/{id})", "orders (POST /orders)", "auth (authorizer token-auth (au7x1k))"] },
        { "http", null, null, "POST /checkout", ["checkout (POST /checkout)"] },
        { "http", null, null, null, ["checkout (POST /checkout)", "health (GET /health, $default)"] },
    };

    [Theory]
    [MemberData(nameof(TargetCases))]
    public void Targets_ForARouteOrTheWholeApi_IntegrationsGroupedByFunctionAndAuthorizers(string type, string? path, string? method, string? routeKey, string[] expected)
    {
        const string fn = "arn:aws:lambda:us-east-1:123456789012:function:";
        var api = type == "rest"
            ? new ApiIntegrations("a1b2c3d4e5", "prod", ApiType.Rest,
                [
                    new LambdaIntegration("GET", "/books/{id}", null, $"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}books:${{stageVariables.alias}}/invocations"),
                    new LambdaIntegration("POST", "/orders", null, $"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}orders/invocations", AuthorizerId: "au7x1k"),
                ],
                new Dictionary<string, string> { ["alias"] = "live" },
                [new LambdaAuthorizer("au7x1k", "token-auth", $"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{fn}auth/invocations", null)])
            : new ApiIntegrations("h7t9p2q4r6", "$default", ApiType.Http,
                [
                    new LambdaIntegration(null, null, "POST /checkout", fn + "checkout"),
                    new LambdaIntegration(null, null, "GET /health", fn + "health"),
                    new LambdaIntegration(null, null, "$default", fn + "health:$LATEST"),
                ],
                new Dictionary<string, string>());

        var (targets, wholeApi) = InvokeTargets.For(api, method, path, routeKey);

        targets.Select(t => $"{t.FunctionLabel[fn.Length..]} ({t.Label})").ShouldBe(expected);
        wholeApi.ShouldBe(expected.Length > 2 || (path ?? routeKey) is null);
    }

    [Fact]
    public void Targets_SourceArns_PerRouteAndForTheAuthorizer()
    {
        var fn = FunctionRef.TryParse("arn:aws:lambda:us-east-1:123456789012:function:books")!;
        new InvokeTarget(fn, ["GET /books/{id}", "ANY /x", "$default"], null, null).SourceArns("aws", "us-east-1", "123456789012", "a1b2c3d4e5", "prod")
            .ShouldBe(["arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}", "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/\u0001/x".Replace("\u0001", "", StringComparison.Ordinal),
                "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/$default"]);
        new InvokeTarget(fn, [], new LambdaAuthorizer("au7x1k", "a", "uri", null), null).SourceArns("aws", "us-east-1", "123456789012", "a1b2c3d4e5", "prod")
            .ShouldBe(["arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/authorizers/au7x1k"]);
    }

    [Theory]
    [InlineData("X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}}", "/books/{id}")]
    [InlineData("X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}, Accept=*/*}", "/books/{id}")]
    [InlineData("X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books}", "/books")]
    [InlineData("X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/{proxy+}}", "/{proxy+}")]
    public void SourceArnHeader_LastEntryOfTheMap_PathWithoutTheMapsClosingBrace(string headers, string path)
    {
        var lines = new[]
        {
            "(r1) Endpoint request headers: {x-amzn-apigateway-api-id=a1b2c3d4e5, " + headers,
            "(r1) Execution failed due to configuration error: Invalid permissions on Lambda function",
            "(r1) Method completed with status: 500",
        };

        var text = System.Text.Encoding.UTF8.GetBytes(string.Join('\n', lines));
        var finding = Diagnoser.Diagnose(new MemoryStream(text), LogContext.For("test")).Findings.ShouldHaveSingleItem();

        finding.Key.ResourcePath.ShouldBe(path);
    }

    [Theory]
    [InlineData("(r1) Key throttle limit exceeded for RestApi *, Stage prod, Resource /x, HttpMethod GET.", null, "prod")]
    [InlineData("(r1) Key throttle limit exceeded for RestApi a1b2c3d4e5, Stage pr*d, Resource /x, HttpMethod GET.", "a1b2c3d4e5", null)]
    [InlineData("(r1) Verifying Usage Plan for request: r1. API Key:  API Stage: a1b2c3d4e5/p$od", "a1b2c3d4e5", null)]
    public void ForgedValues_ApiIdAndStageNotInAwsShapes_Dropped(string line, string? apiId, string? stage)
    {
        var text = System.Text.Encoding.UTF8.GetBytes(line + "\n(r1) Execution failed due to configuration error: Invalid permissions on Lambda function\n(r1) Method completed with status: 500");

        var finding = Diagnoser.Diagnose(new MemoryStream(text), LogContext.For("test")).Findings.ShouldHaveSingleItem();

        finding.Key.ApiId.ShouldBe(apiId);
        finding.Key.Stage.ShouldBe(stage);
    }
}
