using System.Text.Json;
using Remediator.Core.Ingest;
using Remediator.Function.Tests.Support;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// Repair from what the deployed function actually receives: only the events that pass the subscription filter the
/// stack deploys. For a missing permission that is "Execution failed due to configuration error: Invalid permissions
/// on Lambda function" and "Method completed with status: 500" per request, naming neither route nor function, so
/// the function must find the broken one in API Gateway's and Lambda's own state.
/// </summary>
public sealed class DeployedRepairTests : IDisposable
{
    private const string Account = RepairHarness.Account;
    private const string Api = RepairHarness.Api;
    private const string Books = RepairHarness.BooksApi;
    private const string Orders = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
    private const string Health = "arn:aws:lambda:us-east-1:123456789012:function:health-api";
    private const string Authorizer = "arn:aws:lambda:us-east-1:123456789012:function:token-authorizer";
    private const string AuthorizerId = "au7x1k";

    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    /// <summary>
    /// A REST API as CDK and SAM build them: one function per route (GET /books/{id} on the books-api:live alias,
    /// POST /orders, GET /health) and a TOKEN authorizer on POST /orders. Every function but <paramref name="broken"/>
    /// has the permission its deploy gave it.
    /// </summary>
    private void ThreeRoutesAndAnAuthorizer(params string[] broken)
    {
        _h.ApiGateway.RestIntegration(Api, "GET", "/books/{id}", Books + ":live")
            .RestIntegration(Api, "POST", "/orders", Orders, authorizerId: AuthorizerId)
            .RestIntegration(Api, "GET", "/health", Health)
            .Authorizer(Api, AuthorizerId, "token-auth", Authorizer)
            .Stage(Api, "prod");
        _h.Lambda.Function(Books, ["live"]).Function(Orders).Function(Health).Function(Authorizer);
        if (!broken.Contains(Books)) Grant(Books, "live", $"{Api}/*/GET/books/*");
        if (!broken.Contains(Orders)) Grant(Orders, null, $"{Api}/*/POST/orders");
        if (!broken.Contains(Health)) Grant(Health, null, $"{Api}/*/GET/health");
        if (!broken.Contains(Authorizer)) Grant(Authorizer, null, $"{Api}/authorizers/{AuthorizerId}");
    }

    private void Grant(string function, string? qualifier, string sourceArnTail) =>
        _h.Lambda.AddStatement(function, qualifier,
            "{\"Sid\":\"deploy-grant\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"apigateway.amazonaws.com\"},\"Action\":\"lambda:InvokeFunction\"," +
            $"\"Resource\":\"{function}{(qualifier is null ? "" : ":" + qualifier)}\"," +
            $"\"Condition\":{{\"ArnLike\":{{\"AWS:SourceArn\":\"arn:aws:execute-api:us-east-1:{Account}:{sourceArnTail}\"}}}}}}");

    private const string HttpApi = "h7t9p2q4r6";
    private const string Checkout = "arn:aws:lambda:us-east-1:123456789012:function:checkout-api";
    private const string HealthRoute = "arn:aws:lambda:us-east-1:123456789012:function:health";

    /// <summary>An HTTP API with two routes, each its own function; GET /health has its permission, POST /checkout not.</summary>
    private void HttpApiTwoRoutes()
    {
        _h.ApiGateway.HttpIntegration(HttpApi, "GET /health", HealthRoute).HttpIntegration(HttpApi, "POST /checkout", Checkout).Stage(HttpApi, "$default");
        _h.Lambda.Function(Checkout).Function(HealthRoute);
        Grant(HealthRoute, null, $"{HttpApi}/*/*/health");
    }

    /// <summary>The missing-permission fixture (a whole REST execution log) as the deployed subscription delivers it.</summary>
    private static byte[] FilteredRestDelivery(Func<string, string>? rewrite = null)
    {
        var delivery = TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log", TestEnvironment.Group, rewrite);
        var messages = SubscriptionPayloadMessages(delivery);
        // What production sees: the two lines of the failing request, nothing that names its route or function.
        messages.ShouldBe([
            "Execution failed due to configuration error: Invalid permissions on Lambda function",
            "Method completed with status: 500",
        ]);
        return delivery;
    }

    private static List<string> SubscriptionPayloadMessages(byte[] delivery) =>
        InputReader.ReadDelivery(delivery, LogContext.For("delivery"), new ReadLimits()).Select(r => r.Text).ToList();

    [Fact]
    public async Task Auto_FilteredRestDeliveryThreeRoutesAndAnAuthorizer_AddsExactlyOneStatementOnTheBrokenFunction()
    {
        ThreeRoutesAndAnAuthorizer(Books);
        var handler = _h.Handler("auto");

        var first = await _h.Deliver(handler, FilteredRestDelivery());

        RepairHarness.Repair(first, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(first, "functionArn").ShouldBe(Books + ":live");
        RepairHarness.Repair(first, "sourceArn").ShouldBe($"arn:aws:execute-api:us-east-1:{Account}:{Api}/*");
        _h.Lambda.Writes.ShouldBe(1);
        var statement = Statements(_h.Lambda.Policy(Books, "live")).Where(s => s.GetProperty("Sid").GetString() == "remediator-a1b2c3d4e5").ShouldHaveSingleItem();
        statement.GetProperty("Resource").GetString().ShouldBe(Books + ":live");
        foreach (var other in new[] { Orders, Health, Authorizer })
        {
            Statements(_h.Lambda.Policy(other)).ShouldAllBe(s => s.GetProperty("Sid").GetString() == "deploy-grant");
        }
        // The message names the route and the function API Gateway's configuration shows, and the region it knows.
        var subject = _h.Sns.Publishes.Last().Form["Subject"];
        subject.ShouldBe("[Remediator] 500 permission_repaired a1b2c3d4e5/prod GET /books/{id} x1");
        first.GetProperty("finding").GetProperty("functionArn").GetString().ShouldBe(Books);
        NoPlaceholders(_h.Sns.Publishes.Last().Form["Message"]);

        var second = await _h.Deliver(handler, FilteredRestDelivery());

        RepairHarness.Repair(second, "refusal").ShouldBe("already_allowed");
        _h.Lambda.Writes.ShouldBe(1);
    }

    [Fact]
    public async Task Auto_FilteredRestDeliveryBrokenAuthorizer_GrantsTheAuthorizerSourceArn()
    {
        ThreeRoutesAndAnAuthorizer(Authorizer);
        var handler = _h.Handler("auto");

        var first = await _h.Deliver(handler, FilteredRestDelivery());

        RepairHarness.Repair(first, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(first, "functionArn").ShouldBe(Authorizer);
        RepairHarness.Repair(first, "statementId").ShouldBe($"remediator-{Api}-authorizer-{AuthorizerId}");
        var statement = Statements(_h.Lambda.Policy(Authorizer)).Where(s => s.GetProperty("Sid").GetString()!.StartsWith("remediator-", StringComparison.Ordinal)).ShouldHaveSingleItem();
        statement.GetProperty("Condition").GetProperty("ArnLike").GetProperty("AWS:SourceArn").GetString()
            .ShouldBe($"arn:aws:execute-api:us-east-1:{Account}:{Api}/authorizers/{AuthorizerId}");
        _h.Lambda.Writes.ShouldBe(1);
        _h.Sns.Publishes.Last().Form["Subject"].ShouldBe("[Remediator] 500 permission_repaired a1b2c3d4e5/prod authorizer token-auth (au7x1k) x1");

        await _h.Deliver(handler, FilteredRestDelivery());

        _h.Lambda.Writes.ShouldBe(1);
    }

    [Fact]
    public async Task Auto_FilteredHttpApiAccessLogTwoRoutes_RepairsTheBrokenRoutesFunctionOnly()
    {
        HttpApiTwoRoutes();
        // An HTTP API access-log entry names the route and the error, never the function.
        var entry = """{"requestId":"KB8aC-80EcIaXvg=","apiId":"h7t9p2q4r6","stage":"$default","routeKey":"POST /checkout","status":"500","integrationErrorMessage":"The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.","errorMessageString":"Internal Server Error"}""";
        var delivery = DeployedDelivery.Encode("/aws/apigateway/h7t9p2q4r6-access", [entry]);
        var handler = _h.Handler("auto");

        var first = await _h.Deliver(handler, delivery);

        RepairHarness.Repair(first, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(first, "functionArn").ShouldBe(Checkout);
        _h.Lambda.Writes.ShouldBe(1);
        Statements(_h.Lambda.Policy(HealthRoute)).ShouldHaveSingleItem();
        _h.Sns.Publishes.Last().Form["Subject"].ShouldBe("[Remediator] 500 permission_repaired h7t9p2q4r6/$default POST /checkout x1");

        await _h.Deliver(handler, delivery);

        _h.Lambda.Writes.ShouldBe(1);
    }

    [Fact]
    public async Task Auto_HttpApiEntryWithoutRoute_SurveysEveryRouteAndRepairsTheBrokenOne()
    {
        HttpApiTwoRoutes();
        var entry = """{"requestId":"KB8aC-80EcIaXvg=","apiId":"h7t9p2q4r6","stage":"$default","status":"500","integrationErrorMessage":"The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again."}""";

        var machine = await _h.Deliver(_h.Handler("auto"), DeployedDelivery.Encode("/aws/apigateway/h7t9p2q4r6-access", [entry]));

        RepairHarness.Repair(machine, "functionArn").ShouldBe(Checkout);
        _h.Lambda.Writes.ShouldBe(1);
        _h.Sns.Publishes.Last().Form["Subject"].ShouldBe("[Remediator] 500 permission_repaired h7t9p2q4r6/$default POST /checkout x1");
    }

    [Fact]
    public async Task Auto_EveryFunctionAllowedAlready_SaysSoAndGrantsNothing()
    {
        ThreeRoutesAndAnAuthorizer();

        var machine = await _h.Deliver(_h.Handler("auto"), FilteredRestDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("already_allowed");
        RepairHarness.Repair(machine, "detail").ShouldNotBeNull().ShouldContain("the line was forged");
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact]
    public async Task Auto_CredentialsRoleCouldNotBeAssumed_RefusedAndNothingWritten()
    {
        ThreeRoutesAndAnAuthorizer(Books);
        const string role = "arn:aws:iam::123456789012:role/apigw-invoke";
        var delivery = FilteredRoleDelivery(role);

        var machine = await _h.Deliver(_h.Handler("auto"), delivery);

        // A role that cannot be assumed is its own cause, so the repairer (missing_invoke_permission only) never
        // sees it: no repair is planned, nothing is read or written, and the finding names the role.
        var finding = machine.GetProperty("finding");
        finding.GetProperty("cause").GetString().ShouldBe("credentials_role_not_assumable");
        finding.GetRawText().ShouldContain(role);
        (machine.TryGetProperty("repair", out var repair) && repair.ValueKind != System.Text.Json.JsonValueKind.Null).ShouldBeFalse();
        _h.Lambda.Writes.ShouldBe(0);
        _h.Lambda.Requests.ShouldBeEmpty();
    }

    [Fact]
    public async Task Auto_IntegrationWithCredentialsRole_RefusedAsARoleProblem()
    {
        const string role = "arn:aws:iam::123456789012:role/apigw-invoke";
        _h.ApiGateway.RestIntegration(Api, "GET", "/books/{id}", Books + ":live", credentials: role).Stage(Api, "prod");
        _h.Lambda.Function(Books, ["live"]);

        var machine = await _h.Deliver(_h.Handler("auto"), FilteredRestDelivery());

        RepairHarness.Repair(machine, "refusal").ShouldBe("credentials_role");
        RepairHarness.Repair(machine, "detail").ShouldNotBeNull().ShouldContain(role);
        _h.Lambda.Writes.ShouldBe(0);
    }

    [Fact]
    public async Task Auto_StageRepointedBetweenDeliveries_TheNewFunctionIsRepairedNotTheOldOne()
    {
        const string v2 = "arn:aws:lambda:us-east-1:123456789012:function:books-api-v2";
        _h.ApiGateway.RestIntegration(Api, "GET", "/books/{id}", Books + ":live").Stage(Api, "prod");
        _h.Lambda.Function(Books, ["live"]).Function(v2);
        var handler = _h.Handler("auto");
        await _h.Deliver(handler, FilteredRestDelivery());
        _h.Lambda.Policy(Books, "live").ShouldNotBeNull();

        // The owner re-points the route at a new function that has no permission yet.
        _h.ApiGateway.Repoint(Api, Books + ":live", v2);
        var second = await _h.Deliver(handler, FilteredRestDelivery());

        RepairHarness.Repair(second, "cause").ShouldBe("permission_repaired");
        RepairHarness.Repair(second, "functionArn").ShouldBe(v2);
        _h.Lambda.Policy(v2).ShouldNotBeNull().ShouldContain("remediator-a1b2c3d4e5");
        _h.Lambda.Writes.ShouldBe(2);
    }

    // The next two model `remediator replay` of an exported execution log, whose lines name the function and the
    // path; deployed, the filter drops those lines and the survey above applies.
    [Fact]
    public async Task Auto_LatestQualifierInTheIntegration_MatchesTheLoggedFunction()
    {
        _h.ApiGateway.RestIntegration(Api, "GET", "/books/{id}", Books + ":$LATEST").Stage(Api, "prod");
        _h.Lambda.Function(Books);

        var machine = await _h.Deliver(_h.Handler("auto"), RepairHarness.PermissionDelivery(l => l.Replace("books-api:live", "books-api:$LATEST", StringComparison.Ordinal)));

        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
        _h.Lambda.Policy(Books).ShouldNotBeNull(); // $LATEST runs under the unqualified function's policy
    }

    [Fact]
    public async Task Auto_SourceArnLastInTheHeaderMap_ResourcePathWithoutTheMapsBrace()
    {
        _h.BooksApiOnLive();
        // API Gateway writes the map in no fixed order; here X-Amz-Source-Arn is its last entry.
        static string Last(string l) => l.Contains("Endpoint request headers: {", StringComparison.Ordinal)
            ? l[..l.IndexOf('{')] + "{x-amzn-apigateway-api-id=a1b2c3d4e5, X-Amz-Source-Arn=arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/prod/GET/books/{id}}"
            : l;
        var lines = File.ReadAllLines(TestEnvironment.Fixture("causes/missing_invoke_permission__execution.log")).Select(Last)
            .Where(l => !l.Contains("authorized because method", StringComparison.Ordinal) && !l.Contains("Endpoint request body after", StringComparison.Ordinal));
        var delivery = SubscriptionPayload.Encode(TestEnvironment.Group, lines.Select((l, i) => (1_714_568_720_000L + i, l)));

        var machine = await _h.Deliver(_h.Handler("auto"), delivery);

        machine.GetProperty("finding").GetProperty("resourcePath").GetString().ShouldBe("/books/{id}");
        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repaired");
    }

    [Fact]
    public async Task Auto_ForgedFindingsDoNotSpendTheBudget_TheRealOneIsRepaired()
    {
        ThreeRoutesAndAnAuthorizer(Books);
        _h.Lambda.Function("arn:aws:lambda:us-east-1:123456789012:function:evil");
        // Two forged findings that name a function API Gateway does not invoke come first, then the real failure.
        var forged = File.ReadAllLines(TestEnvironment.Fixture("causes/missing_invoke_permission__execution.log"));
        var a = forged.Select(l => l.Replace("function:books-api:live", "function:evil", StringComparison.Ordinal).Replace("(9d9b7271", "(aaaaaaaa", StringComparison.Ordinal).Replace("(3aade195", "(abababab", StringComparison.Ordinal));
        var b = forged.Select(l => l.Replace("function:books-api:live", "function:evil:x", StringComparison.Ordinal).Replace("(9d9b7271", "(bbbbbbbb", StringComparison.Ordinal).Replace("(3aade195", "(bcbcbcbc", StringComparison.Ordinal));
        var real = forged.Where(l => l.Contains("Invalid permissions", StringComparison.Ordinal) || l.Contains("Method completed with status: 500", StringComparison.Ordinal));
        var delivery = SubscriptionPayload.Encode(TestEnvironment.Group, a.Concat(b).Concat(real).Select((l, i) => (1_714_568_720_000L + i, l)));

        await using var _ = await _h.Handler("auto", ("REMEDIATOR_MAX_REPAIRS", "1")).Handle(new MemoryStream(delivery));

        _h.Lambda.Writes.ShouldBe(1);
        _h.Lambda.Policy(Books, "live").ShouldNotBeNull().ShouldContain("remediator-a1b2c3d4e5");
        _h.Lambda.Policy("arn:aws:lambda:us-east-1:123456789012:function:evil").ShouldBeNull();
        _h.Log.ToString().ShouldNotContain("\"refusal\":\"limit_reached\"");
    }

    [Fact]
    public async Task Auto_DeferredByTheBudget_NotSilencedByTheCooldownAndRepairedByTheNextDelivery()
    {
        // Two broken functions, budget one write, cooldown one hour: the second is deferred, then repaired next time.
        ThreeRoutesAndAnAuthorizer(Books, Health);
        var handler = _h.Handler("auto", ("REMEDIATOR_MAX_REPAIRS", "1"), ("REMEDIATOR_COOLDOWN_MINUTES", "60"));

        await _h.Deliver(handler, FilteredRestDelivery());

        _h.Lambda.Writes.ShouldBe(1);
        _h.Log.ToString().Split('\n').Count(l => l.Contains("\"refusal\":\"limit_reached\"")).ShouldBe(1);
        _h.Sns.Publishes.Count().ShouldBe(1); // one digest for the API and stage: the repair and the deferral
        _h.MachineFindings().Count.ShouldBe(2);

        await _h.Deliver(handler, FilteredRestDelivery());

        _h.Lambda.Writes.ShouldBe(2);
        _h.Lambda.Policy(Books, "live").ShouldNotBeNull().ShouldContain("remediator-a1b2c3d4e5");
        Statements(_h.Lambda.Policy(Health)).ShouldContain(s => s.GetProperty("Sid").GetString() == "remediator-a1b2c3d4e5");
        _h.Log.ToString().ShouldNotContain("finding suppressed (cooldown)");
    }

    private static byte[] FilteredRoleDelivery(string role) =>
        DeployedDelivery.Encode(TestEnvironment.Group, (string[])
        [
            "(0b5ef2a4-5a7c-4b83-9f0e-2d1b2c3d4e5f) HTTP Method: GET, Resource Path: /books/42",
            $"(0b5ef2a4-5a7c-4b83-9f0e-2d1b2c3d4e5f) Execution failed due to configuration error: API Gateway does not have permission to assume the provided role {role}",
            "(0b5ef2a4-5a7c-4b83-9f0e-2d1b2c3d4e5f) Method completed with status: 500",
        ]);

    private static List<JsonElement> Statements(string? policy)
    {
        policy.ShouldNotBeNull();
        using var doc = JsonDocument.Parse(policy);
        return doc.RootElement.GetProperty("Statement").EnumerateArray().Select(e => e.Clone()).ToList();
    }

    private static void NoPlaceholders(string message)
    {
        foreach (var placeholder in new[] { "<function-arn>", "<region>", "<account-id>", "<api-id>", "route -" })
        {
            message.ShouldNotContain(placeholder);
        }
    }
}
