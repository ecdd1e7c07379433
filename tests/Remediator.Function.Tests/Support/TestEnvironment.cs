using Amazon.Runtime;
using Remediator.Core.Ingest;
using Remediator.Testing;

namespace Remediator.Function.Tests.Support;

public static class TestEnvironment
{
    public const string TopicArn = "arn:aws:sns:us-east-1:123456789012:remediator-findings";
    public const string Group = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";

    public static string Fixture(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", name);

    public static Func<string, string?> Env(FakeSns sns, params (string Key, string Value)[] extra)
    {
        var values = new Dictionary<string, string>
        {
            ["REMEDIATOR_TOPIC_ARN"] = TopicArn,
            ["AWS_ENDPOINT_URL_SNS"] = sns.Endpoint.ToString(),
            ["AWS_REGION"] = "us-east-1",
            ["REMEDIATOR_TIME_BUDGET_SECONDS"] = "20",
            // These tests are about notifying; repair has its own. And nothing may ever reach real AWS: every
            // service without a local endpoint goes to a closed port on 127.0.0.1.
            ["REMEDIATOR_REPAIR_MODE"] = "off",
            ["AWS_ENDPOINT_URL"] = "http://127.0.0.1:9",
        };
        foreach (var (k, v) in extra)
        {
            values[k] = v;
        }
        return name => values.GetValueOrDefault(name);
    }

    /// <summary>
    /// A delivery of a fixture's events as the deployed stack delivers them: only the events that the subscription
    /// filter pattern of <paramref name="group"/> passes (<see cref="DeployedDelivery"/>). Tests of the deployed path use this.
    /// </summary>
    public static byte[] Deployed(string fixture, string group = Group, Func<string, string>? rewrite = null) =>
        DeployedDelivery.FromFile(Fixture(fixture), group, rewrite: rewrite);

    /// <summary>
    /// A delivery of all of a fixture's CloudWatch events, unfiltered (a line not starting with "(id)" continues the
    /// event before it): for tests about decoding and limits, and those that wait for repair to read what the filtered
    /// lines no longer show (RepairHarness).
    /// </summary>
    public static byte[] Delivery(string fixture, string group = Group, Func<string, string>? rewrite = null)
    {
        var events = new List<string>();
        foreach (var line in File.ReadAllLines(Fixture(fixture)).Where(l => l.Length > 0))
        {
            var l = rewrite is null ? line : rewrite(line);
            if (l.StartsWith('(') || events.Count == 0)
            {
                events.Add(l);
            }
            else
            {
                events[^1] += "\n" + l;
            }
        }
        return SubscriptionPayload.Encode(group, events.Select((m, i) => (1_714_568_720_000L + i, m)));
    }
}
