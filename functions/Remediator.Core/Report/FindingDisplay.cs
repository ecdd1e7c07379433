using Remediator.Core.Diagnosis;

namespace Remediator.Core.Report;

/// <summary>The short human labels every text rendering of a finding shares.</summary>
public static class FindingDisplay
{
    public static string Route(Finding f) =>
        f.Key.RouteKey ?? (f.Key.HttpMethod is null && f.Key.ResourcePath is null ? "-" : $"{f.Key.HttpMethod ?? "*"} {f.Key.ResourcePath ?? "*"}");

    public static string Api(Finding f) =>
        f.Key.ApiId is null ? (f.Key.Stage ?? "-") : f.Key.Stage is null ? f.Key.ApiId : $"{f.Key.ApiId}/{f.Key.Stage}";

    public static string Function(Finding f) =>
        f.Key.FunctionArn is null ? "-" : f.Key.Qualifier is null ? f.Key.FunctionArn : $"{f.Key.FunctionArn}:{f.Key.Qualifier}";

    public static string Status(Finding f) => f.Status?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "5xx?";

    public static string Seen(Finding f) => (f.FirstSeen, f.LastSeen) switch
    {
        (null, _) => "time not in the log",
        ({ } a, { } b) when a == b => JsonReport.Time(a)!,
        ({ } a, { } b) => $"{JsonReport.Time(a)} .. {JsonReport.Time(b)}",
        ({ } a, null) => JsonReport.Time(a)!,
    };

    public static string Summary(DiagnosisSummary s) =>
        $"{s.Requests} request(s) read, {s.Failed} failed, {s.Findings} finding(s), {s.Unclassified} unclassified";
}
