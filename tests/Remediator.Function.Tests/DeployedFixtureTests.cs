using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Testing;

namespace Remediator.Function.Tests;

/// <summary>
/// Every cause fixture as the deployed function receives it: its events through the pattern the stack deploys on
/// that kind of log group, in a real delivery, against the same delivery unfiltered. The filtered verdict must keep
/// the fixture's cause; where the deployed pattern drops a line that the verdict used (the route, the function, the
/// status), the fixture is listed in <see cref="Losses"/> with what is lost and why, so that any new loss fails here.
/// Fixtures that are not CloudWatch events as a subscription delivers them are left out: test-invoke output, pasted
/// markdown, and the Insights CSV/TSV exports (the same events are in the other shapes).
/// </summary>
public class DeployedFixtureTests
{
    private const string DefaultExecutionGroup = "API-Gateway-Execution-Logs_a1b2c3d4e5/prod";
    private const string AccessGroup = "/aws/apigateway/access-logs";

    // Why the execution-log pattern loses these: it forwards only lines with a decisive phrase (SubscriptionFilterTerms),
    // to keep successful requests free. The route comes from "HTTP Method: GET, Resource Path: /x", "API Key authorized
    // because method 'GET /x'" or the X-Amz-Source-Arn header; the function from "Endpoint request URI: ...". None of
    // them holds a phrase, so the function must learn the route and the function from API Gateway (issue 11, item 2).
    private const string NoRoute = "the 'HTTP Method:', 'API Key authorized because method' and 'X-Amz-Source-Arn' lines are not forwarded";
    private const string NoFunction = "the 'Endpoint request URI:' line is not forwarded";
    // Nothing else is lost: every execution fixture keeps its cause and status ("completed with status: 5" is a term),
    // and every access fixture keeps everything (its 5xx entry is forwarded whole).
    private const string NoRouteNoFunction = NoRoute + "; " + NoFunction;
    private const string NoRouteErrorLevel = NoRoute + " (at ERROR level the log never shows the function, filtered or not)";
    private const string NoRouteFunctionFromNotFound = NoRoute + " (the function is still known: 'Function not found: arn' is forwarded)";

    /// <summary>Fixture → the verdict fields the deployed pattern loses, and why.</summary>
    public static readonly Dictionary<string, (string Fields, string Why)> Losses = new(StringComparer.Ordinal)
    {
        ["authorizer_failure__execution.log"] = ("function,route", NoRoute + "; the authorizer's 'Sending request to' line is not forwarded"),
        ["authorizer_failure__execution__gateway-response.log"] = ("route", NoRoute),
        ["authorizer_failure__execution-console__import-error.log"] = ("function", "the authorizer's 'Endpoint request URI:' line is not forwarded"),
        ["credentials_role_not_assumable__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["integration_endpoint_error__execution.log"] = ("route", NoRoute),
        ["integration_endpoint_error__execution__invalid-endpoint.log"] = ("route", NoRoute),
        ["integration_endpoint_error__execution__network-error.log"] = ("route", NoRoute),
        ["lambda_invoke_error__execution.log"] = ("function,route", NoRouteNoFunction),
        ["request_mapping_error__execution-console.log"] = ("route", NoRoute),
        ["request_mapping_error__execution.log"] = ("route", NoRoute),
        ["request_mapping_error__execution__invalid-request-content.log"] = ("function,route", NoRouteNoFunction),
        ["function_error__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["function_error__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["function_error__execution.log"] = ("function,route", NoRouteNoFunction),
        ["function_error__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["function_error__execution__import-error.log"] = ("function,route", NoRouteNoFunction),
        ["function_error__execution__python.log"] = ("function,route", NoRouteNoFunction),
        ["function_error__filter-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["function_error__insights.json"] = ("function,route", NoRouteNoFunction),
        ["function_not_found__execution-console.log"] = ("route", NoRouteFunctionFromNotFound),
        ["function_not_found__execution.log"] = ("route", NoRouteFunctionFromNotFound),
        ["function_not_found__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["function_not_found__get-log-events.json"] = ("route", NoRouteFunctionFromNotFound),
        ["function_timeout__execution-iso.log"] = ("function,route", NoRouteNoFunction),
        ["function_timeout__execution.log"] = ("function,route", NoRouteNoFunction),
        ["function_timeout__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["function_timeout__get-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["integration_timeout__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["integration_timeout__execution.log"] = ("function,route", NoRouteNoFunction),
        ["integration_timeout__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["integration_timeout__filter-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["invalid_integration_method__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["invalid_integration_method__execution.log"] = ("function,route", NoRouteNoFunction),
        ["invalid_integration_method__insights.json"] = ("function,route", NoRouteNoFunction),
        ["kms_access_denied__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["kms_access_denied__execution.log"] = ("function,route", NoRouteNoFunction),
        ["kms_access_denied__insights.json"] = ("function,route", NoRouteNoFunction),
        ["lambda_service_error__execution.log"] = ("function,route", NoRouteNoFunction),
        ["lambda_service_error__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["malformed_proxy_response__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution-console__bare-string.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution-iso__body-object.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__bad-headers-string.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__bad-headers.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__bare-string.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__base64-string.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__body-object.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["malformed_proxy_response__execution__no-statuscode.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__not-json.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__execution__null.log"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__filter-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["malformed_proxy_response__insights.json"] = ("function,route", NoRouteNoFunction),
        ["mapping_error__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["mapping_error__execution.log"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__execution-console.log"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__execution-iso.log"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__execution.log"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__execution__errorlevel.log"] = ("route", NoRouteErrorLevel),
        ["missing_invoke_permission__filter-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["missing_invoke_permission__insights.json"] = ("function,route", NoRouteNoFunction),
        ["payload_too_large__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["payload_too_large__execution.log"] = ("function,route", NoRouteNoFunction),
        ["payload_too_large__get-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["throttled__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["throttled__execution.log"] = ("function,route", NoRouteNoFunction),
        ["throttled__execution__legacy.log"] = ("function,route", NoRouteNoFunction),
        ["throttled__filter-log-events.json"] = ("function,route", NoRouteNoFunction),
        ["unknown__data-message.json"] = ("function,route", NoRouteNoFunction),
        ["unknown__execution.log"] = ("function,route", NoRouteNoFunction),
    };

    public static TheoryData<string> Cases => [.. CaseNames()];

    private static List<string> CaseNames()
    {
        var data = new List<string>();
        foreach (var file in Directory.GetFiles(Causes).Where(f => File.Exists(f + ".expect")).Select(Path.GetFileName).Order(StringComparer.Ordinal))
        {
            var shape = file!.Split("__")[1];
            if (shape.StartsWith("execution", StringComparison.Ordinal) || shape.StartsWith("access", StringComparison.Ordinal)
                || shape is "data-message.json" or "filter-log-events.json" or "get-log-events.json" or "insights.json")
            {
                data.Add(file);
            }
        }
        return data;
    }

    private static string Causes => Path.Combine(AppContext.BaseDirectory, "fixtures", "causes");

    private sealed record Verdict(string Cause, string? Route, string? Function, int? Status);

    [Theory]
    [MemberData(nameof(Cases))]
    public void Deliver_FixtureThroughDeployedPattern_KeepsTheCauseAndLosesOnlyWhatIsListed(string fixture)
    {
        var path = Path.Combine(Causes, fixture);
        var expected = File.ReadAllLines(path + ".expect").Select(l => l.Split('#')[0].Split(':', 2)).Where(p => p.Length == 2)
            .GroupBy(p => p[0].Trim()).ToDictionary(g => g.Key, g => g.First()[1].Trim());
        var (group, format) = GroupOf(fixture, path, expected);
        var events = DeployedDelivery.Events(path);

        var unfiltered = Verdicts(SubscriptionPayload.Encode(group, events.Select((m, i) => (DeployedDelivery.DefaultStartMs + i, m))), group);
        var filtered = Verdicts(DeployedDelivery.Encode(group, events, format), group);

        var lost = Lost(unfiltered, filtered);
        var listed = Losses.TryGetValue(fixture, out var loss) ? loss.Fields : "";
        lost.ShouldBe(listed, $"{fixture}: unfiltered {string.Join("; ", unfiltered)} / deployed {string.Join("; ", filtered)}");
        if (expected["cause"] == "none")
        {
            filtered.ShouldBeEmpty();
        }
        else
        {
            filtered.Select(v => v.Cause).ShouldBe([expected["cause"]], fixture);
        }
    }

    [Fact]
    public void Losses_EveryListedFixtureIsACase()
    {
        var cases = CaseNames().ToHashSet();
        Losses.Keys.ShouldAllBe(k => cases.Contains(k));
        Losses.Values.ShouldAllBe(v => v.Fields.Length > 0 && v.Why.Length > 0);
    }

    private static (string Group, AccessLogFormat Format) GroupOf(string fixture, string path, Dictionary<string, string> expected)
    {
        if (DeployedDelivery.LogGroupOf(path) is { } own)
        {
            return (own, AccessLogFormat.Json);
        }
        if (fixture.Split("__")[1].StartsWith("access", StringComparison.Ordinal))
        {
            return (AccessGroup, fixture.EndsWith(".clf", StringComparison.Ordinal) ? AccessLogFormat.Clf : AccessLogFormat.Json);
        }
        return expected.TryGetValue("apiId", out var api) && api != "null" && expected.TryGetValue("stage", out var stage) && stage != "null"
            ? ($"API-Gateway-Execution-Logs_{api}/{stage}", AccessLogFormat.Json)
            : (DefaultExecutionGroup, AccessLogFormat.Json);
    }

    private static List<Verdict> Verdicts(byte[] delivery, string group) =>
        Diagnoser.Diagnose(new MemoryStream(delivery), new LogContext(group, "123456789012", "delivery")).Findings
            .Select(f => new Verdict(f.Cause.ToName(), Route(f.Key), f.Key.FunctionArn is null ? null : f.Key.FunctionArn + (f.Key.Qualifier is null ? "" : ":" + f.Key.Qualifier), f.Status))
            .OrderBy(v => v.ToString(), StringComparer.Ordinal).ToList();

    private static string? Route(FindingKey k) => k.RouteKey ?? (k.HttpMethod is null && k.ResourcePath is null ? null : $"{k.HttpMethod} {k.ResourcePath}");

    /// <summary>The verdict fields that differ ("cause,route,function,status", or "findings" when the count differs).</summary>
    private static string Lost(List<Verdict> before, List<Verdict> after)
    {
        if (before.Count != after.Count)
        {
            return "findings";
        }
        var fields = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (b, a) in before.Zip(after))
        {
            if (b.Cause != a.Cause) fields.Add("cause");
            if (b.Route != a.Route) fields.Add("route");
            if (b.Function != a.Function) fields.Add("function");
            if (b.Status != a.Status) fields.Add("status");
        }
        return string.Join(',', fields);
    }
}
