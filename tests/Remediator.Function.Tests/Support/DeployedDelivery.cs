using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;

namespace Remediator.Function.Tests.Support;

/// <summary>
/// Deliveries as the deployed stack makes them: each event passes the subscription filter pattern the stack
/// deploys for its kind of log group, or it never reaches the function.
/// </summary>
public static class DeployedDelivery
{
    /// <summary>Execution-log events through the execution-log pattern.</summary>
    public static byte[] Execution(string group, IEnumerable<string> events) => Encode(group, events, SubscriptionFilterTerms.Pattern);

    /// <summary>Access-log entries through the access-log pattern.</summary>
    public static byte[] Access(string group, IEnumerable<string> entries) => Encode(group, entries, SubscriptionFilterTerms.Pattern);

    /// <summary>A fixture's events (a line not starting with "(id)" continues the event before it) through the execution-log pattern.</summary>
    public static byte[] FromFixture(string fixture, string group, Func<string, string>? rewrite = null)
    {
        var events = new List<string>();
        foreach (var line in File.ReadAllLines(TestEnvironment.Fixture(fixture)).Where(l => l.Length > 0))
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
        return Execution(group, events);
    }

    private static byte[] Encode(string group, IEnumerable<string> events, string pattern) =>
        SubscriptionPayload.Encode(group, events.Where(e => Passes(pattern, e)).Select((m, i) => (1_714_568_720_000L + i, m)));

    // Placeholder until the filter-pattern evaluator lands: the execution pattern is a list of ?"term" alternatives.
    private static bool Passes(string pattern, string message) =>
        SubscriptionFilterTerms.Terms.Any(t => message.Contains(t, StringComparison.Ordinal)) && pattern.Length > 0;
}
