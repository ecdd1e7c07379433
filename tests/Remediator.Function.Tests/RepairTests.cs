using System.Text;
using Remediator.Core.Ingest;
using Remediator.Core.Repair;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// Automatic repair of a missing invoke permission, end to end: a real delivery in, API Gateway and Lambda read
/// (and in auto mode written) through local endpoints with the services' semantics, the report published to SNS.
/// </summary>
public sealed class RepairTests : IDisposable
{
    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static string SourceArnFor(string api) => $"arn:aws:execute-api:us-east-1:123456789012:{api}/*";

    [Fact]
    public async Task Auto_RestApiAliasInUri_GrantsExactlyTheScopedPermissionAndASecondDeliveryChangesNothing()
    {
        _h.BooksApiOnLive();
        var handler = _h.Handler("auto");

        var first = await _h.Deliver(handler, RepairHarness.PermissionDelivery());

        RepairHarness.Repair(first, "cause").ShouldBe("permission_repaired");
        var policy = _h.Lambda.Policy(RepairHarness.BooksApi, "live").ShouldNotBeNull();
        using (var doc = System.Text.Json.JsonDocument.Parse(policy))
        {
            var statement = doc.RootElement.GetProperty("Statement").EnumerateArray().ShouldHaveSingleItem();
            statement.GetProperty("Sid").GetString().ShouldBe("remediator-a1b2c3d4e5");
            statement.GetProperty("Principal").GetProperty("Service").GetString().ShouldBe("apigateway.amazonaws.com");
            statement.GetProperty("Action").GetString().ShouldBe("lambda:InvokeFunction");
            statement.GetProperty("Resource").GetString().ShouldBe(RepairHarness.BooksApi + ":live");
            statement.GetProperty("Condition").GetProperty("ArnLike").GetProperty("AWS:SourceArn").GetString().ShouldBe(SourceArnFor(RepairHarness.Api));
            statement.GetProperty("Condition").GetProperty("StringEquals").GetProperty("AWS:SourceAccount").GetString().ShouldBe("123456789012");
        }
        _h.Lambda.Policy(RepairHarness.BooksApi).ShouldBeNull(); // the alias was repaired, not the unqualified function
        PolicyEvaluator.Evaluate(policy, "arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}", "123456789012").Allowed.ShouldBeTrue();
        RepairHarness.Repair(first, "undo").ShouldBe("aws lambda remove-permission --region us-east-1 --function-name arn:aws:lambda:us-east-1:123456789012:function:books-api --qualifier live --statement-id remediator-a1b2c3d4e5");
        _h.Sns.Publishes.Last().Form["Subject"].ShouldBe("[Remediator] 500 permission_repaired a1b2c3d4e5/prod GET /books/{id} x1");
        _h.Lambda.Requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "lambda" && r.Signature.SignedHeaders.Contains("x-amz-security-token"));
        _h.ApiGateway.Requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "apigateway" && r.Headers["accept"] == "application/json");

        var second = await _h.Deliver(handler, RepairHarness.PermissionDelivery());

        RepairHarness.Repair(second, "refusal").ShouldBe("already_allowed");
        _h.Lambda.Writes.ShouldBe(1);
        // Resources, authorizers and stage, read again by each invocation: an owner may have re-pointed the stage meanwhile.
        _h.ApiGateway.Requests.Count.ShouldBe(6);
    }

    [Fact]
    public async Task Auto_StageVariableInUri_ResolvedThroughTheStage()
    {
        _h.BooksApiOnLive(uri: $"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{RepairHarness.BooksApi}:${{stageVariables.alias}}/invocations",
            stageVariables: new() { ["alias"] = "live" });

        var machine = await _h.Deliver(_h.Handler("auto"), RepairHarness.PermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Policy(RepairHarness.BooksApi, "live").ShouldNotBeNull();
    }

    [Fact]
    public async Task Auto_HttpApiAccessLog_RepairedOnTheRoutesFunction()
    {
        const string httpApi = "h7t9p2q4r6";
        var fn = "arn:aws:lambda:us-east-1:123456789012:function:checkout-api";
        _h.ApiGateway.HttpIntegration(httpApi, "GET /health", "arn:aws:lambda:us-east-1:123456789012:function:health")
            .HttpIntegration(httpApi, "POST /checkout", fn).Stage(httpApi, "$default");
        _h.Lambda.Function(fn).Function("arn:aws:lambda:us-east-1:123456789012:function:health");
        var line = """{"requestId":"KB8aC-80EcIaXvg=","apiId":"h7t9p2q4r6","stage":"$default","routeKey":"POST /checkout","status":"500","integrationErrorMessage":"The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.","errorMessageString":"Internal Server Error"}""";
        var delivery = SubscriptionPayload.Encode("/aws/apigateway/h7t9p2q4r6-access", [(1_717_754_400_000, line)]);

        var machine = await _h.Deliver(_h.Handler("auto"), delivery);

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(machine, "functionArn").ShouldBe(fn);
        RepairHarness.Repair(machine, "sourceArn").ShouldBe(SourceArnFor(httpApi));
        _h.Lambda.Policy(fn).ShouldNotBeNull();
        _h.Lambda.Policy("arn:aws:lambda:us-east-1:123456789012:function:health").ShouldBeNull();
    }

    public static TheoryData<string, string> Refusals => new()
    {
        { "already-allowed", "already_allowed" },
        { "forged", "not_an_integration" },
        { "cross-account", "cross_account" },
        { "allow-list", "not_allow_listed" },
        { "opted-out", "opted_out" },
        { "policy-full", "policy_full" },
        { "access-denied", "access_denied" },
        { "not-in-scope", "api_not_in_scope" },
        { "no-api-named", "api_not_in_scope" },
        { "explicit-deny", "explicit_deny" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task Auto_UnsafeOrUnneeded_RefusedWithTheReasonAndNothingWritten(string scenario, string reason)
    {
        Func<string, string>? rewrite = null;
        var extra = new List<(string, string)>();
        switch (scenario)
        {
            case "already-allowed":
                _h.BooksApiOnLive();
                _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", """{"Sid":"apigw-any","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/GET/books/*"}}}""");
                break;
            case "forged":
                _h.BooksApiOnLive();
                _h.Lambda.Function("arn:aws:lambda:us-east-1:123456789012:function:evil");
                rewrite = l => l.Replace("function:books-api:live", "function:evil", StringComparison.Ordinal);
                break;
            case "cross-account":
                var other = "arn:aws:lambda:us-east-1:999999999999:function:books-api";
                _h.ApiGateway.RestIntegration(RepairHarness.Api, "GET", "/books/{id}", other).Stage(RepairHarness.Api, "prod");
                rewrite = l => l.Replace("123456789012:function:books-api:live", "999999999999:function:books-api", StringComparison.Ordinal);
                extra.Add(("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", "arn:aws:lambda:us-east-1:999999999999:function:*"));
                break;
            case "allow-list":
                _h.BooksApiOnLive();
                extra.Add(("REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS", "arn:aws:lambda:us-east-1:123456789012:function:orders-*"));
                break;
            case "opted-out":
                _h.BooksApiOnLive(tags: new() { ["remediator:auto-repair"] = "false" });
                break;
            case "policy-full":
                _h.BooksApiOnLive();
                for (var i = 0; i < 70; i++)
                {
                    _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", """{"Sid":"s3-bucket-NNN","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live","Condition":{"StringEquals":{"AWS:SourceAccount":"123456789012"},"ArnLike":{"AWS:SourceArn":"arn:aws:s3:::a-rather-long-bucket-name-for-uploads-NNN"}}}""".Replace("NNN", i.ToString("D3"), StringComparison.Ordinal));
                }
                break;
            case "access-denied":
                _h.BooksApiOnLive();
                _h.Lambda.Fail("AddPermission", 403, "AccessDeniedException");
                break;
            case "not-in-scope":
                _h.BooksApiOnLive();
                extra.Add(("REMEDIATOR_REPAIR_APIS", "zzzzzzzzzz"));
                break;
            case "no-api-named":
                // An empty list is no API: auto mode changes only APIs the operator named (or REMEDIATOR_REPAIR_ANY_API=true).
                _h.BooksApiOnLive();
                extra.Add(("REMEDIATOR_REPAIR_APIS", ""));
                break;
            case "explicit-deny":
                _h.BooksApiOnLive();
                _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", """{"Sid":"no-apigw","Effect":"Deny","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:*","Resource":"*"}""");
                break;
        }
        var before = _h.Lambda.Policy(RepairHarness.BooksApi, "live");

        var machine = await _h.Deliver(_h.Handler("auto", [.. extra]), RepairHarness.PermissionDelivery(rewrite));

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_refused");
        RepairHarness.Repair(machine, "refusal").ShouldBe(reason);
        RepairHarness.Repair(machine, "detail").ShouldNotBeNullOrWhiteSpace();
        _h.Lambda.Writes.ShouldBe(0);
        _h.Lambda.Policy(RepairHarness.BooksApi, "live").ShouldBe(before);
        _h.Sns.Publishes.Last().Form["Subject"].ShouldContain("permission_repair_refused");
    }

    [Fact]
    public async Task DryRun_VerifiesAndPublishesThePlanButWritesNothing()
    {
        _h.BooksApiOnLive();

        var machine = await _h.Deliver(_h.Handler("dry-run"), RepairHarness.PermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_planned");
        RepairHarness.Repair(machine, "statement").ShouldNotBeNull().ShouldContain(SourceArnFor(RepairHarness.Api));
        RepairHarness.Repair(machine, "add").ShouldNotBeNull().ShouldStartWith("aws lambda add-permission --region us-east-1 --function-name arn:aws:lambda:us-east-1:123456789012:function:books-api --qualifier live");
        _h.Lambda.Writes.ShouldBe(0);
        _h.Lambda.Requests.ShouldAllBe(r => r.Method == "GET");
    }

    [Fact]
    public async Task Off_NoApiGatewayOrLambdaCallAtAll()
    {
        _h.BooksApiOnLive();

        var machine = await _h.Deliver(_h.Handler("off"), RepairHarness.PermissionDelivery());

        machine.TryGetProperty("repair", out _).ShouldBeFalse();
        machine.GetProperty("finding").GetProperty("cause").GetString().ShouldBe("missing_invoke_permission");
        _h.Lambda.Requests.ShouldBeEmpty();
        _h.ApiGateway.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Auto_RaceWithAConcurrentInvocation_OneStatementAndSuccess()
    {
        _h.BooksApiOnLive();
        // Another invocation adds the same statement between our GetPolicy and our AddPermission: we get a 409.
        var plan = new PermissionPlan(Core.Diagnosis.FunctionRef.TryParse(RepairHarness.BooksApi + ":live")!, RepairHarness.Api, "us-east-1", RepairHarness.Account);
        _h.Lambda.BeforeAdd = () =>
        {
            _h.Lambda.BeforeAdd = null;
            _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", plan.StatementJson);
        };

        var machine = await _h.Deliver(_h.Handler("auto"), RepairHarness.PermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(machine, "detail").ShouldNotBeNull().ShouldContain("concurrent");
        using var doc = System.Text.Json.JsonDocument.Parse(_h.Lambda.Policy(RepairHarness.BooksApi, "live")!);
        doc.RootElement.GetProperty("Statement").GetArrayLength().ShouldBe(1);
    }

    [Fact]
    public async Task Auto_PolicyChangedMeanwhile_ReadAgainAndAddedToTheNewRevision()
    {
        _h.BooksApiOnLive();
        _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", """{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live"}""");
        _h.Lambda.BeforeAdd = () =>
        {
            _h.Lambda.BeforeAdd = null;
            _h.Lambda.AddStatement(RepairHarness.BooksApi, "live", """{"Sid":"events","Effect":"Allow","Principal":{"Service":"events.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:books-api:live"}""");
        };

        var machine = await _h.Deliver(_h.Handler("auto"), RepairHarness.PermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Requests.Count(r => r.Method == "POST" && r.Answered == 412).ShouldBe(1);
        using var doc = System.Text.Json.JsonDocument.Parse(_h.Lambda.Policy(RepairHarness.BooksApi, "live")!);
        doc.RootElement.GetProperty("Statement").EnumerateArray().Select(s => s.GetProperty("Sid").GetString()).ShouldBe(["s3", "events", "remediator-a1b2c3d4e5"]);
    }

    [Fact]
    public async Task Auto_LambdaThrottlesOnce_RetriedAndRepaired()
    {
        _h.BooksApiOnLive();
        _h.Lambda.Fail("GetPolicy", 429, "TooManyRequestsException");
        _h.ApiGateway.Fail("GetResources", 429, "TooManyRequestsException");

        var machine = await _h.Deliver(_h.Handler("auto"), RepairHarness.PermissionDelivery());

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Writes.ShouldBe(1);
    }
}
