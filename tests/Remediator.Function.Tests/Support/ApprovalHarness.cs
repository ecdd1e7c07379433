using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Time.Testing;
using Remediator.Testing;

namespace Remediator.Function.Tests.Support;

/// <summary>
/// Approve mode against local SNS, Lambda, API Gateway and KMS, on a clock the test moves: the handler receives log
/// deliveries and function URL requests (payload format 2.0) as the deployed function does.
/// </summary>
public sealed class ApprovalHarness : IDisposable
{
    public const string PageUrl = "https://abcdefghij0123456789klmnopqrstuv.lambda-url.us-east-1.on.aws/";

    public RepairHarness Repair { get; } = new();
    public FakeKms Kms { get; } = new();
    public FakeTimeProvider Time { get; } = new(DateTimeOffset.UtcNow);

    public FakeLambda Lambda => Repair.Lambda;
    public FakeSns Sns => Repair.Sns;
    public StringWriter Log => Repair.Log;

    public Func<string, string?> Env(params (string Key, string Value)[] extra) => Repair.Env("approve",
        [("REMEDIATOR_APPROVAL_KEY_ID", FakeKms.KeyId), ("REMEDIATOR_APPROVAL_URL", PageUrl), ("AWS_ENDPOINT_URL_KMS", Kms.Endpoint.ToString()), .. extra]);

    public Handler Handler(params (string Key, string Value)[] extra)
    {
        var env = Env(extra);
        return new Handler(Composition.Pipeline(env, Time, Log, credentials: new StaticCredentials()),
            Composition.Approvals(env, Time, Log, credentials: new StaticCredentials()));
    }

    /// <summary>Delivers the deployed permission fixture and returns the approval link of the planned repair.</summary>
    public async Task<string> PlanAsync(Handler handler)
    {
        var machine = await Repair.Deliver(handler, RepairHarness.DeployedPermissionDelivery());
        RepairHarness.Repair(machine, "cause").ShouldBe("permission_repair_planned");
        return RepairHarness.Repair(machine, "approveUrl").ShouldNotBeNull();
    }

    /// <summary>The token (the <c>t</c> parameter) of a link.</summary>
    public static string TokenOf(string link) => Uri.UnescapeDataString(new Uri(link).Query.TrimStart('?').Split('=', 2)[1]);

    public static byte[] UrlEvent(string method, string? token, string sourceIp = "198.51.100.7", bool base64Body = false)
    {
        var post = method == "POST";
        var form = token is null ? "" : $"t={Uri.EscapeDataString(token)}";
        var evt = new JsonObject
        {
            ["version"] = "2.0",
            ["routeKey"] = "$default",
            ["rawPath"] = "/",
            ["rawQueryString"] = post ? "" : form,
            ["headers"] = new JsonObject { ["content-type"] = post ? "application/x-www-form-urlencoded" : null, ["user-agent"] = "test" },
            ["queryStringParameters"] = post || token is null ? null : new JsonObject { ["t"] = token },
            ["requestContext"] = new JsonObject
            {
                ["accountId"] = "anonymous",
                ["domainName"] = new Uri(PageUrl).Host,
                ["http"] = new JsonObject { ["method"] = method, ["path"] = "/", ["protocol"] = "HTTP/1.1", ["sourceIp"] = sourceIp, ["userAgent"] = "test" },
            },
            ["body"] = post ? (base64Body ? Convert.ToBase64String(Encoding.UTF8.GetBytes(form)) : form) : null,
            ["isBase64Encoded"] = post && base64Body,
        };
        return Encoding.UTF8.GetBytes(evt.ToJsonString());
    }

    /// <summary>Sends a function URL request; returns the status, the headers and the HTML.</summary>
    public static async Task<(int Status, Dictionary<string, string> Headers, string Html)> Request(Handler handler, string method, string? token, string sourceIp = "198.51.100.7")
    {
        await using var response = await handler.Handle(new MemoryStream(UrlEvent(method, token, sourceIp)));
        using var doc = await JsonDocument.ParseAsync(response);
        var root = doc.RootElement;
        return (root.GetProperty("statusCode").GetInt32(),
            root.GetProperty("headers").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetString()!),
            root.GetProperty("body").GetString()!);
    }

    public int RemediatorStatements(string arn, string? qualifier) =>
        _ = Lambda.Policy(arn, qualifier) is { } policy
            ? JsonDocument.Parse(policy).RootElement.GetProperty("Statement").EnumerateArray().Count(s => s.GetProperty("Sid").GetString()!.StartsWith("remediator-", StringComparison.Ordinal))
            : 0;

    public void Dispose()
    {
        Repair.Dispose();
        Kms.Dispose();
    }
}
