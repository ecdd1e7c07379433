using System.Text.Json;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Aws;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// The local Lambda and API Gateway endpoints against the reference client (the AWS CLI works against them, so they
/// speak the protocols), and our clients against the CLI (the same operation sends the same request).
/// </summary>
public sealed class ControlPlaneConformanceTests : IDisposable
{
    private const string Fn = "arn:aws:lambda:us-east-1:123456789012:function:books-api";
    private readonly FakeLambda _lambda = new();
    private readonly FakeApiGateway _apis = new();
    // From each call on, not from the test's start: the AWS CLI runs before our client may take most of 30 s on a loaded machine.
    private static DateTimeOffset Deadline => DateTimeOffset.UtcNow.AddSeconds(30);

    public void Dispose()
    {
        _lambda.Dispose();
        _apis.Dispose();
    }

    private AwsHttp Http() => new(new HttpClient(), new StaticCredentials(), TimeProvider.System);

    [Fact]
    public async Task AddPermission_PlanCommandAndOurClient_SameRequestSamePolicyAndTheUndoWorks()
    {
        _lambda.Function(Fn, ["live"]);
        var plan = new PermissionPlan(FunctionRef.TryParse(Fn + ":live")!, "a1b2c3d4e5", "us-east-1", "123456789012");
        var ours = new LambdaClient(Http(), _ => _lambda.Endpoint);

        AwsCli.Run(_lambda.Endpoint, plan.AddCommand.Split(' ')[1..]); // exactly the command the report prints
        var cliPolicy = _lambda.Policy(Fn, "live").ShouldNotBeNull();
        AwsCli.Run(_lambda.Endpoint, plan.UndoCommand.Split(' ')[1..]); // and its undo really undoes it
        _lambda.Policy(Fn, "live").ShouldBeNull();
        await ours.AddPermissionAsync(plan, revisionId: null, Deadline, default);
        var ourPolicy = _lambda.Policy(Fn, "live");

        ourPolicy.ShouldBe(cliPolicy);
        var adds = _lambda.Requests.Where(r => r.Method == "POST").ToList();
        adds.Count.ShouldBe(2);
        adds.ShouldAllBe(r => r.Signature.Valid);
        adds[1].Path.ShouldBe(adds[0].Path);
        adds[1].Query.ShouldBe(adds[0].Query);
        adds[1].Headers["content-type"].ShouldStartWith("application/json");
        Fields(adds[1].Text).ShouldBe(Fields(adds[0].Text));
        _lambda.Requests.Single(r => r.Method == "DELETE").Answered.ShouldBe(204);
    }

    [Fact]
    public async Task GetPolicy_OurClientAndTheCli_SameRequestSameAnswer()
    {
        _lambda.Function(Fn, ["live"]);
        _lambda.AddStatement(Fn, "live", """{"Sid":"s3","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"x"}""");
        var ours = await new LambdaClient(Http(), _ => _lambda.Endpoint).GetPolicyAsync(FunctionRef.TryParse(Fn + ":live")!, Deadline, default);

        using var cli = JsonDocument.Parse(AwsCli.Run(_lambda.Endpoint, "lambda", "get-policy", "--function-name", Fn, "--qualifier", "live"));

        cli.RootElement.GetProperty("Policy").GetString().ShouldBe(ours.Json);
        cli.RootElement.GetProperty("RevisionId").GetString().ShouldBe(ours.RevisionId);
        var gets = _lambda.Requests.Where(r => r.Method == "GET").ToList();
        gets[1].Path.ShouldBe(gets[0].Path);
        gets[1].Query.ShouldBe(gets[0].Query);
        gets.ShouldAllBe(r => r.Signature.Valid);
    }

    [Fact]
    public async Task GetPolicy_NoPolicy_404ReadAsNoneByUsAndAnErrorByTheCli()
    {
        _lambda.Function(Fn);

        var ours = await new LambdaClient(Http(), _ => _lambda.Endpoint).GetPolicyAsync(FunctionRef.TryParse(Fn)!, Deadline, default);

        ours.Json.ShouldBeNull();
        Should.Throw<InvalidOperationException>(() => AwsCli.Run(_lambda.Endpoint, "lambda", "get-policy", "--function-name", Fn))
            .Message.ShouldContain("ResourceNotFoundException");
    }

    [Fact]
    public async Task RestApi_PagedResourcesAndStage_CliAndOurClientSeeTheSameIntegrations()
    {
        _apis.MaxPageSize = 2;
        for (var i = 0; i < 5; i++)
        {
            _apis.RestIntegration("a1b2c3d4e5", "GET", $"/items{i}", $"arn:aws:lambda:us-east-1:123456789012:function:fn{i}");
        }
        _apis.Stage("a1b2c3d4e5", "prod", new() { ["alias"] = "live" });

        using var cli = JsonDocument.Parse(AwsCli.Run(_apis.Endpoint, "apigateway", "get-resources", "--rest-api-id", "a1b2c3d4e5", "--embed", "methods"));
        using var stage = JsonDocument.Parse(AwsCli.Run(_apis.Endpoint, "apigateway", "get-stage", "--rest-api-id", "a1b2c3d4e5", "--stage-name", "prod"));
        var cliRequests = _apis.Requests.Count;
        var ours = await new ApiGatewayClient(Http(), "us-east-1", _apis.Endpoint, _apis.Endpoint).GetAsync("a1b2c3d4e5", "prod", ApiType.Rest, Deadline, default);

        cli.RootElement.GetProperty("items").GetArrayLength().ShouldBe(5); // the CLI followed `position`
        stage.RootElement.GetProperty("variables").GetProperty("alias").GetString().ShouldBe("live");
        ours.Integrations.Count.ShouldBe(5); // and so did we
        ours.StageVariables["alias"].ShouldBe("live");
        var cliFirst = _apis.Requests.First();
        var ourFirst = _apis.Requests.Skip(cliRequests).First();
        ourFirst.Path.ShouldBe(cliFirst.Path);
        ourFirst.Query["embed"].ShouldBe(cliFirst.Query["embed"]);
        ourFirst.Headers["accept"].ShouldBe(cliFirst.Headers["accept"]); // application/json, or the answer is HAL
        _apis.Requests.ShouldAllBe(r => r.Signature.Valid && r.Signature.Service == "apigateway");
    }

    [Fact]
    public async Task HttpApi_IntegrationsAndRoutes_CliAndOurClientAgree()
    {
        _apis.HttpIntegration("h7t9p2q4r6", "POST /checkout", "arn:aws:lambda:us-east-1:123456789012:function:checkout")
            .HttpIntegration("h7t9p2q4r6", "GET /health", "arn:aws:lambda:us-east-1:123456789012:function:health").Stage("h7t9p2q4r6", "$default");

        using var integrations = JsonDocument.Parse(AwsCli.Run(_apis.Endpoint, "apigatewayv2", "get-integrations", "--api-id", "h7t9p2q4r6"));
        using var routes = JsonDocument.Parse(AwsCli.Run(_apis.Endpoint, "apigatewayv2", "get-routes", "--api-id", "h7t9p2q4r6"));
        var ours = await new ApiGatewayClient(Http(), "us-east-1", _apis.Endpoint, _apis.Endpoint).GetAsync("h7t9p2q4r6", "$default", ApiType.Http, Deadline, default);

        integrations.RootElement.GetProperty("Items").GetArrayLength().ShouldBe(2);
        routes.RootElement.GetProperty("Items").EnumerateArray().Select(r => r.GetProperty("RouteKey").GetString()).ShouldBe(["POST /checkout", "GET /health"]);
        ours.Integrations.Select(i => $"{i.RouteKey} -> {LambdaIntegrations.Resolve(i.Uri, ours.StageVariables)!.Name}").ShouldBe(["POST /checkout -> checkout", "GET /health -> health"]);
    }

    private static Dictionary<string, string> Fields(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return doc.RootElement.EnumerateObject().ToDictionary(p => p.Name, p => p.Value.ToString());
    }
}
