using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Time.Testing;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Function.Tests.Support;
using Remediator.Testing;
using Xunit.Abstractions;

namespace Remediator.Function.Tests;

/// <summary>
/// The digest as subscribers receive it: one message per API and stage, findings by cause with the worst first,
/// approved snapshots of its bodies for a delivery with several causes and for a storm, the threshold and the error
/// rate. Every delivery here passes through the filter pattern the stack deploys (<see cref="DeployedDelivery"/>),
/// except where a test says it models a subscription that forwards everything.
/// </summary>
public sealed class DigestTests(ITestOutputHelper output) : IDisposable
{
    private readonly FakeSns _sns = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2024, 5, 1, 13, 0, 0, TimeSpan.Zero));
    private readonly StringWriter _stdout = new();

    public void Dispose() => _sns.Dispose();

    private const string HttpAccessGroup = "/aws/apigateway/h7t9p2q4r6-access";

    private Handler NewHandler(params (string Key, string Value)[] extra) =>
        new(Composition.Pipeline(TestEnvironment.Env(_sns, extra), _time, _stdout, credentials: new StaticCredentials()));

    private async Task<JsonElement> Invoke(Handler handler, byte[] delivery)
    {
        await using var result = await handler.Handle(new MemoryStream(delivery));
        using var doc = await JsonDocument.ParseAsync(result);
        return doc.RootElement.Clone();
    }

    [Fact]
    public async Task Digest_DeliveryWithSeveralCauses_OneMessageWorstFirstMatchingApproved()
    {
        var outcome = await Invoke(NewHandler(), TestEnvironment.Deployed("mixed/interleaved.log"));

        outcome.GetProperty("published").GetInt32().ShouldBe(1);
        var publish = _sns.Publishes.ShouldHaveSingleItem();
        var findings = RepairHarness.Findings(publish.Form["Message"]);
        findings.Count.ShouldBe(8);
        outcome.GetProperty("findingIds").EnumerateArray().Select(e => e.GetString()).ShouldBe(findings.Select(f => f.GetProperty("findingId").GetString()));
        // Worst first: the severities never rise along the list.
        var ranks = findings.Select(f => DigestMessages.SeverityRank(f.GetProperty("severity").GetString()!)).ToList();
        ranks.ShouldBe(ranks.Order().ToList());
        findings.ShouldAllBe(f => f.GetProperty("schema").GetString() == FindingMessages.Schema);
        Approve(publish, "several-causes");
    }

    [Fact]
    public async Task Digest_Storm_FewMessagesUnderTheLimitMatchingApproved()
    {
        // An HTTP API storm: 4 causes on 6 routes, 12,000 entries with the successes among them; the deployed access-log
        // pattern passes the 5xx entries only.
        var delivery = DeployedDelivery.Encode(HttpAccessGroup, StormEntries(12_000, ok: true));

        var outcome = await Invoke(NewHandler(), delivery);

        var publishes = _sns.Publishes.ToList();
        var sizes = publishes.Select(p => Size(p.Form)).ToList();
        output.WriteLine($"storm digest: {outcome.GetProperty("failedRequests").GetInt64()} failed requests, {publishes.Count} message(s), {RepairHarness.Findings(publishes[0].Form["Message"]).Count} findings in the first, sizes {string.Join(", ", sizes.Select(s => $"{s / 1024.0:F1} KB"))}; e-mail {publishes.Select(p => Body(p, "email").Length).Max() / 1024.0:F1} KB");
        publishes.Count.ShouldBeLessThanOrEqualTo(2);
        publishes.Sum(p => RepairHarness.Findings(p.Form["Message"]).Count).ShouldBe(16); // 4 causes on the 4 routes that fail (r2 and r5 only succeed)
        sizes.ShouldAllBe(s => s < DigestMessages.TargetBytes);
        Approve(publishes[0], "storm");
    }

    [Fact]
    public async Task Digest_StormOverManyRoutes_PartsEachWellUnderTheLimit()
    {
        // 4 causes on 60 routes: 240 findings of one API and stage. They cannot fit one readable message: parts, each
        // well under SNS's 256 KB, that together hold every finding once.
        var delivery = DeployedDelivery.Encode(HttpAccessGroup, StormEntries(6_000, ok: false, routes: 60));

        await Invoke(NewHandler(), delivery);

        var publishes = _sns.Publishes.ToList();
        var sizes = publishes.Select(p => Size(p.Form)).ToList();
        output.WriteLine($"240 findings: {publishes.Count} parts, largest {sizes.Max() / 1024.0:F1} KB");
        publishes.SelectMany(p => RepairHarness.Findings(p.Form["Message"])).Select(f => f.GetProperty("findingId").GetString()).Distinct().Count().ShouldBe(240);
        sizes.ShouldAllBe(s => s < DigestMessages.TargetBytes);
        publishes.ShouldAllBe(p => p.Form["Subject"].Length <= 99);
        publishes.Count.ShouldBeLessThanOrEqualTo(240 / DigestMessages.MaxFindingsPerMessage * 3);
    }

    [Fact]
    public async Task Digest_StormDeliveriesWithinTheCooldown_OneMessagePerWindow()
    {
        var handler = NewHandler(("REMEDIATOR_COOLDOWN_MINUTES", "15"));
        var perWindow = new SortedDictionary<int, int>();
        for (var d = 0; d < 40; d++)
        {
            var before = _sns.Publishes.Count();
            await Invoke(handler, DeployedDelivery.Encode(HttpAccessGroup, StormEntries(600, ok: false, seed: d)));
            perWindow[d / 20] = perWindow.GetValueOrDefault(d / 20) + _sns.Publishes.Count() - before;
            _time.Advance(TimeSpan.FromSeconds(45)); // 20 deliveries per 15 minutes
        }

        output.WriteLine("messages per 15-minute window: " + string.Join(", ", perWindow.Select(kv => $"{kv.Key + 1}: {kv.Value}")));
        foreach (var p in _sns.Publishes) output.WriteLine(p.Form["Subject"]);
        perWindow.Values.ShouldBe([1, 1]);
        var second = RepairHarness.Findings(_sns.Publishes.Last().Form["Message"]);
        second.ShouldAllBe(f => f.GetProperty("suppressedSinceLastAlert").GetInt64() > 0);
    }

    [Fact]
    public async Task Threshold_FewRequestsOfANonCriticalFinding_LoggedCountedNotSentThenCarriedOver()
    {
        var handler = NewHandler(("REMEDIATOR_ALERT_MIN_REQUESTS", "3"));
        // One unknown 5xx (medium) and one missing permission (critical) on the same API.
        var delivery = DeployedDelivery.Encode(HttpAccessGroup, [Entry(0, "GET /books/{id}", "500", "-"), Entry(1, "GET /orders", "500", PermissionError)]);

        var first = await Invoke(handler, delivery);

        first.GetProperty("belowThreshold").GetInt32().ShouldBe(1);
        var sent = RepairHarness.Findings(_sns.Publishes.ShouldHaveSingleItem().Form["Message"]).ShouldHaveSingleItem();
        sent.GetProperty("finding").GetProperty("cause").GetString().ShouldBe("missing_invoke_permission");
        _stdout.ToString().ShouldContain("\"finding below threshold\"");
        _stdout.ToString().ShouldContain("\"FindingsBelowThreshold\":1");

        // Two more unknown 5xx: three since the last alert, so now it is sent, and says what was held back.
        _time.Advance(TimeSpan.FromMinutes(1));
        await Invoke(handler, DeployedDelivery.Encode(HttpAccessGroup, [Entry(2, "GET /books/{id}", "500", "-"), Entry(3, "GET /books/{id}", "500", "-")]));

        var unknown = RepairHarness.Findings(_sns.Publishes.Last().Form["Message"]).ShouldHaveSingleItem();
        unknown.GetProperty("finding").GetProperty("cause").GetString().ShouldBe("unknown");
        unknown.GetProperty("suppressedSinceLastAlert").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task ErrorRate_DeployedFilterForwardsFailuresOnly_NotKnownAndSaysWhy()
    {
        await Invoke(NewHandler(), DeployedDelivery.Encode(HttpAccessGroup, StormEntries(200, ok: true)));

        var machine = Machine(_sns.Publishes.Last());
        machine.GetProperty("errorRate").ValueKind.ShouldBe(JsonValueKind.Null);
        machine.GetProperty("errorRateNote").GetString()!.ShouldContain("only failed requests");
        Body(_sns.Publishes.Last(), "email").ShouldContain("Error rate: not known: the logs hold only failed requests");
    }

    [Fact]
    public async Task ErrorRate_SubscriptionForwardingEveryEntry_FailedOverAllRequests()
    {
        // An access-log group subscribed with an empty filter pattern: every entry, successes included, reaches the function.
        var entries = StormEntries(200, ok: true).ToList();
        await Invoke(NewHandler(), SubscriptionPayload.Encode(HttpAccessGroup, entries.Select((e, i) => (DeployedDelivery.DefaultStartMs + i, e))));

        var machine = Machine(_sns.Publishes.Last());
        var failed = entries.Count(e => e.Contains("\"status\":\"5", StringComparison.Ordinal));
        machine.GetProperty("requests").GetInt64().ShouldBe(entries.Count);
        machine.GetProperty("errorRate").GetDouble().ShouldBe(Math.Round(failed / (double)entries.Count, 5));
        Body(_sns.Publishes.Last(), "email").ShouldContain($"({failed} of {entries.Count} requests)");
    }

    [Fact]
    public async Task Digest_HumanText_NeverSaysInThisDelivery()
    {
        await Invoke(NewHandler(), TestEnvironment.Deployed("mixed/interleaved.log"));

        var publish = _sns.Publishes.ShouldHaveSingleItem();
        Body(publish, "email").ShouldNotContain("this delivery");
        Body(publish, "https").ShouldNotContain("this delivery");
    }

    private const string PermissionError = "The IAM role configured on the integration or API Gateway doesn't have permissions to call the integration. Check the permissions and try again.";

    private static readonly (string Status, string Error, string Latency)[] StormCauses =
    [
        ("500", PermissionError, "-"),
        ("503", "-", "30004"),
        ("500", "The response from the Lambda function doesn't match the format that API Gateway expects. Invalid status code", "38"),
        ("500", "-", "-"),
    ];

    /// <summary>HTTP API access-log entries (the console's JSON preset with the integration fields): 4 causes over the routes, and with <paramref name="ok"/> one success in three.</summary>
    private static IEnumerable<string> StormEntries(int count, bool ok, int routes = 6, int seed = 0)
    {
        for (var i = 0; i < count; i++)
        {
            var route = $"GET /r{i % routes}/{{id}}";
            if (ok && i % 3 == 2)
            {
                yield return Entry(i + seed * count, route, "200", "-", "120");
                continue;
            }
            var (status, error, latency) = StormCauses[i / routes % StormCauses.Length];
            yield return Entry(i + seed * count, route, status, error, latency);
        }
    }

    private static string Entry(int n, string route, string status, string error, string latency = "-")
    {
        var time = new DateTimeOffset(2024, 5, 1, 12, 0, 0, TimeSpan.Zero).AddMilliseconds(n * 50L);
        return $$"""{"apiId":"h7t9p2q4r6","stage":"$default","requestId":"{{n:x8}}AAAAAAA=","ip":"198.51.100.7","requestTime":"{{time.ToString("dd/MMM/yyyy:HH:mm:ss +0000", CultureInfo.InvariantCulture)}}","httpMethod":"GET","routeKey":"{{route}}","status":"{{status}}","protocol":"HTTP/1.1","responseLength":"35","integrationStatus":"-","integrationLatency":"{{latency}}","integrationErrorMessage":"{{error}}","errorMessageString":"Internal Server Error"}""";
    }

    private static int Size(Dictionary<string, string> form) =>
        System.Text.Encoding.UTF8.GetByteCount(form["Message"]) + System.Text.Encoding.UTF8.GetByteCount(form["Subject"])
        + form.Where(kv => kv.Key.StartsWith("MessageAttributes.", StringComparison.Ordinal)).Sum(kv => System.Text.Encoding.UTF8.GetByteCount(kv.Value));

    private static string Body(FakeSns.Received publish, string key)
    {
        using var message = JsonDocument.Parse(publish.Form["Message"]);
        return message.RootElement.GetProperty(key).GetString()!;
    }

    private static JsonElement Machine(FakeSns.Received publish)
    {
        using var machine = JsonDocument.Parse(Body(publish, "default"));
        return machine.RootElement.Clone();
    }

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The subject and attributes, the e-mail, the chat notification and the machine JSON, each an approved file.</summary>
    private static void Approve(FakeSns.Received publish, string name)
    {
        var form = publish.Form;
        var header = new System.Text.StringBuilder();
        header.AppendLine($"Subject: {form["Subject"]}");
        for (var i = 1; form.ContainsKey($"MessageAttributes.entry.{i}.Name"); i++)
        {
            header.AppendLine($"{form[$"MessageAttributes.entry.{i}.Name"]} ({form[$"MessageAttributes.entry.{i}.Value.DataType"]}): {form[$"MessageAttributes.entry.{i}.Value.StringValue"]}");
        }
        // Every file is compared (and each difference written as .received) before the first failure is reported.
        var failures = new List<Exception>();
        void Check(string text, string part)
        {
            try
            {
                text.ShouldMatchApproved(c => c.SubFolder("approved/digest").NoDiff()
                    .WithFilenameGenerator((_, _, type, extension) => $"digest.{name}.{part}.{type}.{extension}"));
            }
            catch (ShouldMatchApprovedException e)
            {
                failures.Add(e);
            }
        }
        Check(header.ToString(), "subject-attributes");
        Check(Body(publish, "email"), "email");
        using (var chat = JsonDocument.Parse(Body(publish, "https")))
        {
            Check(JsonSerializer.Serialize(chat.RootElement, Pretty), "chat");
        }
        using var machine = JsonDocument.Parse(Body(publish, "default"));
        Check(JsonSerializer.Serialize(machine.RootElement, Pretty), "json");
        if (failures.Count > 0)
        {
            throw new AggregateException(failures);
        }
    }
}
