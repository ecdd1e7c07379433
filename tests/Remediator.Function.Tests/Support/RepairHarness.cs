using System.Text.Json;
using Remediator.Core.Ingest;
using Remediator.Testing;

namespace Remediator.Function.Tests.Support;

/// <summary>The handler wired to local SNS, Lambda and API Gateway endpoints, selected only through environment variables.</summary>
public sealed class RepairHarness : IDisposable
{
    public const string Account = "123456789012";
    public const string BooksApi = "arn:aws:lambda:us-east-1:123456789012:function:books-api";
    public const string Api = "a1b2c3d4e5";

    public FakeSns Sns { get; } = new();
    public FakeLambda Lambda { get; } = new();
    public FakeApiGateway ApiGateway { get; } = new();
    public StringWriter Log { get; } = new();

    public Func<string, string?> Env(string mode, params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string>
        {
            ["REMEDIATOR_TOPIC_ARN"] = TestEnvironment.TopicArn,
            ["REMEDIATOR_REPAIR_MODE"] = mode,
            ["REMEDIATOR_REPAIR_ALLOWED_FUNCTIONS"] = "arn:aws:lambda:us-east-1:123456789012:function:*",
            ["REMEDIATOR_REPAIR_APIS"] = "a1b2c3d4e5,h7t9p2q4r6", // the REST and HTTP APIs of the tests: an empty list is no API
            ["REMEDIATOR_COOLDOWN_MINUTES"] = "0",
            ["REMEDIATOR_TIME_BUDGET_SECONDS"] = "20",
            ["AWS_REGION"] = "us-east-1",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9",
            ["AWS_ENDPOINT_URL_SNS"] = Sns.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_LAMBDA"] = Lambda.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_API_GATEWAY"] = ApiGateway.Endpoint.ToString(),
            ["AWS_ENDPOINT_URL_APIGATEWAYV2"] = ApiGateway.Endpoint.ToString(),
        };
        foreach (var (k, v) in extra)
        {
            values[k] = v;
        }
        return name => values.GetValueOrDefault(name);
    }

    public Handler Handler(string mode = "auto", params (string Key, string Value)[] extra) =>
        new(Composition.Pipeline(Env(mode, extra), TimeProvider.System, Log, credentials: new StaticCredentials()));

    /// <summary>The books API of the fixtures: GET /books/{id} on a1b2c3d4e5/prod integrates books-api:live, POST /orders
    /// orders-api (which already has its permission when <paramref name="ordersAllowed"/>).</summary>
    public RepairHarness BooksApiOnLive(string? uri = null, Dictionary<string, string>? stageVariables = null, Dictionary<string, string>? tags = null, bool ordersAllowed = false)
    {
        ApiGateway.RestIntegration(Api, "GET", "/books/{id}", uri ?? $"{BooksApi}:live").RestIntegration(Api, "POST", "/orders", "arn:aws:lambda:us-east-1:123456789012:function:orders-api")
            .Stage(Api, "prod", stageVariables);
        Lambda.Function(BooksApi, ["live", "7"], tags).Function("arn:aws:lambda:us-east-1:123456789012:function:orders-api");
        if (ordersAllowed)
        {
            Lambda.AddStatement("arn:aws:lambda:us-east-1:123456789012:function:orders-api", null,
                """{"Sid":"deploy-grant","Effect":"Allow","Principal":{"Service":"apigateway.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-api","Condition":{"ArnLike":{"AWS:SourceArn":"arn:aws:execute-api:us-east-1:123456789012:a1b2c3d4e5/*/POST/orders"}}}""");
        }
        return this;
    }

    /// <summary>The permission fixture as the deployed filter delivers it: two lines, no route, no function.</summary>
    public static byte[] DeployedPermissionDelivery() => TestEnvironment.Deployed("causes/missing_invoke_permission__execution.log");

    /// <summary>The whole permission fixture, unfiltered: what `remediator replay` of an exported log sees (its lines
    /// name the route and the function, so forged names can be tested).</summary>
    public static byte[] PermissionDelivery(Func<string, string>? rewrite = null) =>
        TestEnvironment.Delivery("causes/missing_invoke_permission__execution.log", rewrite: rewrite);

    public async Task<JsonElement> Deliver(Handler handler, byte[] delivery)
    {
        await using var _ = await handler.Handle(new MemoryStream(delivery));
        return LastMachineMessage();
    }

    /// <summary>The machine JSON of the last finding of the last published digest.</summary>
    public JsonElement LastMachineMessage() => Findings(Sns.Publishes.Last().Form["Message"]).Last();

    /// <summary>The machine JSON of every finding of every published digest, in order.</summary>
    public List<JsonElement> MachineFindings() => Sns.Publishes.SelectMany(p => Findings(p.Form["Message"])).ToList();

    /// <summary>The findings of a digest (SNS <c>Message</c> with <c>MessageStructure=json</c>): each as a single finding's machine JSON was.</summary>
    public static List<JsonElement> Findings(string structured)
    {
        using var message = JsonDocument.Parse(structured);
        using var machine = JsonDocument.Parse(message.RootElement.GetProperty("default").GetString()!);
        machine.RootElement.GetProperty("schema").GetString().ShouldBe(Core.Notify.DigestMessages.Schema);
        return machine.RootElement.GetProperty("findings").EnumerateArray().Select(f => f.Clone()).ToList();
    }

    public static string? Repair(JsonElement machine, string field) =>
        machine.TryGetProperty("repair", out var r) && r.TryGetProperty(field, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    public void Dispose()
    {
        Sns.Dispose();
        Lambda.Dispose();
        ApiGateway.Dispose();
    }
}
