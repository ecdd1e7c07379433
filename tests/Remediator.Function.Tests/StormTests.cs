using System.Diagnostics;
using Microsoft.Extensions.Time.Testing;
using Remediator.Core.Ingest;
using Remediator.Function.Tests.Support;
using Remediator.Testing;
using Xunit.Abstractions;

namespace Remediator.Function.Tests;

/// <summary>
/// A 5xx storm through the handler in process: one million failed requests of four kinds over 500 deliveries
/// (STORM_REQUESTS overrides the size). With digests, one message per API and stage per cooldown window (its four
/// findings in it), repairs at most one per function and API, each digest well under SNS's 256 KB, memory bounded.
/// </summary>
public sealed class StormTests(ITestOutputHelper output) : IDisposable
{
    private readonly RepairHarness _h = new();

    public void Dispose() => _h.Dispose();

    private static readonly string[][] Kinds =
    [
        ["Execution failed due to configuration error: Invalid permissions on Lambda function", "Method completed with status: 500"],
        ["Execution failed due to configuration error: Malformed Lambda proxy response", "Method completed with status: 502"],
        ["Lambda execution failed with status 200 due to customer function error: RequestId: 0e0e0e0e-1111-2222-3333-444444444444 Error: Task timed out after 10.01 seconds. Lambda request id: 0e0e0e0e-1111-2222-3333-444444444444", "Method completed with status: 502"],
        ["Lambda invocation failed with status: 429. Lambda request id: 0e0e0e0e-1111-2222-3333-444444444444", "Execution failed due to configuration error: Rate Exceeded.", "Method completed with status: 500"],
    ];

    private const string Group = "API-Gateway-Execution-Logs_stormapi01/prod";
    private static readonly FilterPattern Filter = DeployedDelivery.Evaluator(DeployedDelivery.PatternFor(Group));

    [Fact]
    public async Task Storm_MillionFailures_HandfulOfMessagesOneRepairBoundedMemory()
    {
        var total = int.TryParse(Environment.GetEnvironmentVariable("STORM_REQUESTS"), out var n) ? n : 1_000_000;
        const int deliveries = 500;
        var perDelivery = total / deliveries;
        _h.ApiGateway.RestIntegration("stormapi01", "ANY", "/{proxy+}", RepairHarness.BooksApi + ":live").Stage("stormapi01", "prod");
        _h.Lambda.Function(RepairHarness.BooksApi, ["live"]);
        var time = new FakeTimeProvider(new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero));
        var handler = new Handler(Composition.Pipeline(_h.Env("auto", ("REMEDIATOR_COOLDOWN_MINUTES", "15"), ("REMEDIATOR_REPAIR_APIS", "stormapi01")), time, TextWriter.Null, credentials: new StaticCredentials()));
        GC.Collect();
        var memoryBefore = GC.GetTotalMemory(forceFullCollection: true);
        var clock = Stopwatch.StartNew();
        long failed = 0, suppressed = 0, peak = 0;
        var request = 0;
        var cooldown = TimeSpan.FromMinutes(15);
        var start = time.GetUtcNow();
        var perWindow = new SortedDictionary<int, int>();

        for (var d = 0; d < deliveries; d++)
        {
            var events = new List<(long, string)>(perDelivery * 3);
            for (var i = 0; i < perDelivery; i++, request++)
            {
                var id = $"{request:x8}-0000-4000-8000-000000000000";
                foreach (var line in Kinds[request % Kinds.Length])
                {
                    events.Add((time.GetUtcNow().ToUnixTimeMilliseconds(), $"({id}) {line}"));
                }
            }
            // Through the deployed filter, as production delivers them (every line here is one the filter passes). The
            // filtering is CloudWatch's work, not the function's: it stays off the clock.
            clock.Stop();
            var forwarded = events.Where(e => Filter.Matches(e.Item2)).ToList();
            clock.Start();
            var before = _h.Sns.Publishes.Count();
            await using var result = await handler.Handle(new MemoryStream(SubscriptionPayload.Encode(Group, forwarded)));
            var window = (int)((time.GetUtcNow() - start) / cooldown);
            perWindow[window] = perWindow.GetValueOrDefault(window) + _h.Sns.Publishes.Count() - before;
            using var doc = System.Text.Json.JsonDocument.Parse(result);
            failed += doc.RootElement.GetProperty("failedRequests").GetInt64();
            suppressed += doc.RootElement.GetProperty("suppressed").GetInt64();
            peak = Math.Max(peak, GC.GetTotalMemory(false));
            time.Advance(TimeSpan.FromSeconds(3)); // 500 deliveries over 25 minutes: two cooldown windows
        }
        clock.Stop();
        GC.Collect();
        var retained = GC.GetTotalMemory(forceFullCollection: true) - memoryBefore;

        var publishes = _h.Sns.Publishes.ToList();
        var messages = publishes.Select(p => p.Form["Subject"]).ToList();
        var sizes = publishes.Select(p => System.Text.Encoding.UTF8.GetByteCount(p.Form["Message"]) + System.Text.Encoding.UTF8.GetByteCount(p.Form["Subject"])).ToList();
        output.WriteLine($"storm: {failed} failed requests in {deliveries} deliveries, {clock.Elapsed.TotalSeconds:F1} s, {messages.Count} messages, {suppressed} findings held back, {_h.Lambda.Writes} repair write(s), retained {retained / 1048576.0:F1} MB, peak managed heap {peak / 1048576.0:F0} MB");
        output.WriteLine($"messages per {cooldown.TotalMinutes:0}-minute window (digests on): {string.Join(", ", perWindow.Select(kv => $"window {kv.Key + 1}: {kv.Value}"))}");
        output.WriteLine($"digest sizes: {string.Join(", ", sizes.Select(b => $"{b / 1024.0:F1} KB"))} (SNS limit 256 KB)");
        foreach (var m in messages)
        {
            output.WriteLine(m);
        }
        failed.ShouldBe(perDelivery * (long)deliveries);
        // One API and stage: one digest per cooldown window, the first of each window holding all four findings.
        perWindow.Values.ShouldAllBe(n => n <= 1);
        messages.Count.ShouldBe(2);
        foreach (var p in publishes)
        {
            RepairHarness.Findings(p.Form["Message"]).Count.ShouldBe(Kinds.Length);
        }
        sizes.ShouldAllBe(b => b < Core.Notify.DigestMessages.TargetBytes);
        _h.MachineFindings().Count(f => RepairHarness.Repair(f, "cause") == "permission_repaired").ShouldBe(1);
        _h.Lambda.Writes.ShouldBe(1); // the second window finds the grant in place and adds nothing
        retained.ShouldBeLessThan(64L * 1024 * 1024);
    }
}
