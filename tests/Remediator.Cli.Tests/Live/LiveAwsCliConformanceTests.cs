using System.Text.Json;
using System.Text.Json.Nodes;
using Remediator.Core.Diagnosis;
using Remediator.Function.Aws;
using Remediator.Testing;

namespace Remediator.Cli.Tests.Live;

/// <summary>
/// The reference client: the AWS CLI's <c>aws logs filter-log-events</c> (Debian's awscli 2.9, installed by .ci/run)
/// against the same local endpoint as our client. The endpoint speaks CloudWatch Logs (the CLI reads its answers),
/// and for the same query both clients send the same request, page by page, and read the same events.
/// </summary>
public sealed class LiveAwsCliConformanceTests : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly LiveScenario _scenario = new(Now);

    public void Dispose() => _scenario.Dispose();

    [Theory]
    [InlineData(LiveScenario.ExecutionGroup, true)]
    [InlineData(LiveScenario.HttpAccessGroup, false)]
    public async Task FilterLogEvents_SameQuery_SameRequestFieldsPageByPageAndSameEvents(string group, bool execution)
    {
        _scenario.Logs.PageSize = 2;
        var pattern = execution ? SubscriptionFilterTerms.Pattern : AccessLogFilterPatterns.Json;
        var (start, end) = (Now.AddHours(-2).ToUnixTimeMilliseconds(), Now.ToUnixTimeMilliseconds());

        var cli = AwsCli.Run(_scenario.Logs.Endpoint, "logs", "filter-log-events", "--log-group-name", group,
            "--start-time", start.ToString(System.Globalization.CultureInfo.InvariantCulture), "--end-time", end.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "--filter-pattern", pattern);
        var cliRequests = _scenario.Logs.Requests.ToList();
        var ours = new CloudWatchLogsClient(new AwsHttp(new HttpClient(), new StaticCredentials(), TimeProvider.System), _scenario.Logs.Endpoint, "us-east-1", TimeProvider.System);
        var ourEvents = new List<FilteredLogEvent>();
        string? token = null;
        do
        {
            var page = await ours.FilterLogEventsAsync(new FilterLogEventsRequest(group, start, end, pattern, token), default);
            ourEvents.AddRange(page.Events);
            token = page.NextToken;
        }
        while (token is not null);
        var ourRequests = _scenario.Logs.Requests.Skip(cliRequests.Count).ToList();

        cliRequests.Count.ShouldBeGreaterThan(1, "the CLI paged");
        ourRequests.Count.ShouldBe(cliRequests.Count);
        for (var i = 0; i < cliRequests.Count; i++)
        {
            Fields(ourRequests[i].Text).ShouldBe(Fields(cliRequests[i].Text), $"page {i + 1}");
            ourRequests[i].Headers["x-amz-target"].ShouldBe(cliRequests[i].Headers["x-amz-target"]);
            ourRequests[i].Headers["content-type"].ShouldBe(cliRequests[i].Headers["content-type"]);
            ourRequests[i].Signature.Service.ShouldBe(cliRequests[i].Signature.Service);
            ourRequests[i].Signature.Region.ShouldBe(cliRequests[i].Signature.Region);
        }
        _scenario.Logs.Requests.ShouldAllBe(r => r.Signature.Valid && r.Answered == 200);
        using var read = JsonDocument.Parse(cli);
        var cliEvents = read.RootElement.GetProperty("events").EnumerateArray()
            .Select(e => (e.GetProperty("eventId").GetString(), e.GetProperty("timestamp").GetInt64(), e.GetProperty("logStreamName").GetString(), e.GetProperty("message").GetString()))
            .ToList();
        cliEvents.Count.ShouldBeGreaterThan(0);
        ourEvents.Select(e => ((string?)e.EventId, e.Timestamp, (string?)e.LogStreamName, (string?)e.Message)).ToList().ShouldBe(cliEvents);
    }

    /// <summary>Every member of a request body, as name=value (numbers and strings as the wire has them).</summary>
    private static List<string> Fields(string json) =>
        JsonNode.Parse(json)!.AsObject().Select(p => $"{p.Key}={p.Value!.ToJsonString()}").Order(StringComparer.Ordinal).ToList();
}
