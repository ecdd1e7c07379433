using System.Text.Json;
using System.Text.Json.Nodes;
using Remediator.Function.Tests.Support;
using Remediator.Testing;
using Xunit.Abstractions;

namespace Remediator.Function.Tests;

/// <summary>
/// The approval page in headless Chromium, served the way a function URL serves it: a person opens the link from
/// the message, reads the plan, clicks Approve and reads the result; expired, tampered and replayed links, and a
/// policy that moved between plan and approval, each get their own page; the page logs no error and fetches nothing.
/// </summary>
public sealed class BrowserApprovalTests(ITestOutputHelper output) : IDisposable
{
    private const string Orders = "arn:aws:lambda:us-east-1:123456789012:function:orders-api";
    private readonly ApprovalHarness _h = new();

    public void Dispose() => _h.Dispose();

    [BrowserFact(Timeout = 900_000)]
    public async Task Page_ApproveExpiredTamperedReplayedMoved_EachShowsWhatHappened()
    {
        Browser.Missing().ShouldBeNull("the browser test's prerequisites are missing under CI");
        _h.Repair.BooksApiOnLive(); // GET /books/{id} on books-api:live and POST /orders on orders-api, both without their permission
        Handler? handler = null;
        using var server = new FunctionUrlServer(bytes => handler!.Handle(new MemoryStream(bytes)));
        handler = _h.Handler(("REMEDIATOR_APPROVAL_URL", server.Url.ToString()));

        var expired = (await Links(handler))[RepairHarness.BooksApi + ":live"];
        _h.Time.Advance(TimeSpan.FromMinutes(61));
        var links = await Links(handler);
        var approve = links[RepairHarness.BooksApi + ":live"];
        var moved = links[Orders];
        var mac = approve[^43..]; // the MAC is the last 43 characters (32 bytes, base64url)
        var tampered = approve[..^43] + (mac[0] == 'A' ? 'B' : 'A') + mac[1..];
        // Between the plan and its approval someone else changes orders-api's policy.
        _h.Lambda.AddStatement(Orders, null,
            """{"Sid":"s3-events","Effect":"Allow","Principal":{"Service":"s3.amazonaws.com"},"Action":"lambda:InvokeFunction","Resource":"arn:aws:lambda:us-east-1:123456789012:function:orders-api"}""");
        var shot = Path.Combine(AppContext.BaseDirectory, "approve.png");
        File.Delete(shot);

        var scenarios = new JsonArray
        {
            Scenario("approve", Go(approve), See("#plan", "remediator-a1b2c3d4e5"), See("#undo", "aws lambda remove-permission"), Shot(shot), Click("#approve"),
                See("#result", "was added to " + RepairHarness.BooksApi + ":live")),
            Scenario("replayed", Go(approve), See("#message", "already in the policy")),
            Scenario("tampered", Go(tampered), See("#message", "signature does not match")),
            Scenario("expired", Go(expired), See("#message", "expired")),
            Scenario("moved", Go(moved), See(".note", "The policy changed"), Click("#approve"), See("#moved", "no longer at revision"), Click("#new-link"),
                See("#plan", "remediator-a1b2c3d4e5"), Click("#approve"), See("#result", "was added to " + Orders)),
        };
        var file = Path.Combine(AppContext.BaseDirectory, "approve-scenarios.json");
        await File.WriteAllTextAsync(file, scenarios.ToJsonString());

        var (exit, stdout, stderr) = Browser.Node("approve.spec.mjs", file);

        exit.ShouldBe(0, $"{stdout}\n{stderr}");
        output.WriteLine(stdout.Trim());
        _h.RemediatorStatements(RepairHarness.BooksApi, "live").ShouldBe(1);
        _h.RemediatorStatements(Orders, null).ShouldBe(1);
        _h.Lambda.Writes.ShouldBe(2);
        new FileInfo(shot).Length.ShouldBeGreaterThan(10_000);
    }

    /// <summary>Delivers the deployed permission fixture; the approval link of each planned repair, by function.</summary>
    private async Task<Dictionary<string, string>> Links(Handler handler)
    {
        var before = _h.Sns.Publishes.Count();
        await using var _ = await handler.Handle(new MemoryStream(RepairHarness.DeployedPermissionDelivery()));
        return _h.Sns.Publishes.Skip(before).SelectMany(p => RepairHarness.Findings(p.Form["Message"]))
            .Where(f => RepairHarness.Repair(f, "approveUrl") is not null)
            .ToDictionary(f => RepairHarness.Repair(f, "functionArn")!, f => RepairHarness.Repair(f, "approveUrl")!);
    }

    private static JsonObject Scenario(string name, params JsonObject[] steps) => new() { ["name"] = name, ["steps"] = new JsonArray(steps) };
    private static JsonObject Go(string url) => new() { ["goto"] = url };
    private static JsonObject See(string selector, string text) => new() { ["see"] = selector, ["text"] = text };
    private static JsonObject Click(string selector) => new() { ["click"] = selector };
    private static JsonObject Shot(string path) => new() { ["shot"] = path };
}
