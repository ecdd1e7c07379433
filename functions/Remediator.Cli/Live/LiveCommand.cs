using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;
using Remediator.Function.Aws;

namespace Remediator.Cli.Live;

/// <summary>What was asked of a live read: from the command line, or from a test.</summary>
internal sealed record LiveRequest(
    IReadOnlyList<string> Apis, string? Stage, IReadOnlyList<string> LogGroups, string? Since, string? Until, bool Follow,
    string Format = "text", bool FailOnFindings = false, bool Colour = false, string? Region = null)
{
    /// <summary>Seconds between polls of <c>--follow</c>.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromSeconds(10);
}

/// <summary>
/// <c>remediator diagnose --api ID [--stage S] --since 1h [--until T] [--log-group NAME]... [--follow]</c>: reads
/// the API's logs from CloudWatch Logs itself (see <see cref="LiveReader"/>) and diagnoses them as <c>diagnose</c>
/// does files. The options live here; <see cref="DiagnoseCommand"/> only asks whether they were given.
/// </summary>
internal static class LiveCommand
{
    public static readonly Option<string[]> Api = new("--api") { Description = "Read this API's logs from CloudWatch Logs (REST: the stage's execution and access logs; HTTP API: its access logs). Repeatable." };
    public static readonly Option<string?> Stage = new("--stage") { Description = "Only this stage of --api (default: every stage)." };
    public static readonly Option<string?> Since = new("--since") { Description = "Start of the window: a duration back from now (30m, 1h, 2d) or a time (2026-12-01T03:00:00Z). Default 1h (10m with --follow)." };
    public static readonly Option<string?> Until = new("--until") { Description = "End of the window, in the same forms (default: now)." };
    public static readonly Option<bool> Follow = new("--follow") { Description = "Keep reading: print each new finding as it appears, a line per window when nothing fails; Ctrl-C ends with a summary." };
    public static readonly Option<string?> Region = new("--region") { Description = "AWS region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's)." };

    public static IEnumerable<Option> Options => [Api, Stage, Since, Until, Follow, Region];

    /// <summary>True when the command line asks for a live read rather than files.</summary>
    public static bool Requested(ParseResult parse) =>
        (parse.GetValue(Api) ?? []).Length > 0 || parse.GetValue(Since) is not null || parse.GetValue(Until) is not null || parse.GetValue(Follow)
        || parse.GetValue(Stage) is not null;

    public static LiveRequest From(ParseResult parse, string[] logGroups, string format, bool failOnFindings, bool colour) =>
        new(parse.GetValue(Api) ?? [], parse.GetValue(Stage), logGroups, parse.GetValue(Since), parse.GetValue(Until), parse.GetValue(Follow),
            format, failOnFindings, colour, parse.GetValue(Region));

    public static async Task<int> RunAsync(LiveRequest request, LiveEnvironment world, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        const string me = "remediator diagnose";
        var progress = new LiveProgress(stderr, world.ErrorIsTerminal, world.Clock);
        void Warn(string text)
        {
            progress.Clear();
            stderr.WriteLine($"remediator: warning: {text}");
        }
        try
        {
            if (request.Stage is not null && request.Apis.Count == 0)
            {
                throw new LiveUsageException("--stage needs --api");
            }
            if (request.Apis.Count == 0 && request.LogGroups.Count == 0)
            {
                throw new LiveUsageException("name what to read: --api ID (and --stage), or --log-group NAME");
            }
            if (request.Follow && request.Format != "text")
            {
                throw new LiveUsageException("--follow prints text as findings appear; --format json and markdown are for a window without --follow");
            }
            var now = world.Clock.GetUtcNow();
            var start = TimeWindow.Parse(request.Since ?? (request.Follow ? "10m" : "1h"), now, "--since");
            var end = request.Until is null ? now : TimeWindow.Parse(request.Until, now, "--until");
            if (start >= end)
            {
                throw new LiveUsageException($"the window is empty: --since {TimeWindow.Utc(start)} is not before --until {TimeWindow.Utc(end)}");
            }
            if (request.Follow && request.Until is not null)
            {
                throw new LiveUsageException("--follow reads up to now; leave out --until");
            }
            var region = request.Region ?? AwsRegion.Resolve(world.Env)
                ?? throw new LiveUsageException("no AWS region: pass --region, or set AWS_REGION (or a region in the profile)");
            var (logs, stages) = world.Clients(region);
            var targets = await Targets(request, stages, Warn, ct).ConfigureAwait(false);
            var reader = new LiveReader(logs, progress, Warn);
            if (request.Follow)
            {
                return await FollowAsync(request, world, reader, targets, start, progress, Warn, stdout, ct).ConfigureAwait(false);
            }
            var records = await reader.ReadAsync(targets, start, end, ct).ConfigureAwait(false);
            progress.Clear();
            var builder = new DiagnosisBuilder();
            foreach (var record in records)
            {
                builder.Add(record);
            }
            var result = builder.Build();
            foreach (var warning in result.Warnings)
            {
                Warn(warning);
            }
            stdout.Write(Render(result, request, start, end, reader.Cost));
            return Exit(request, result);
        }
        catch (LiveUsageException e)
        {
            stderr.WriteLine($"{me}: {e.Message}. Try 'remediator diagnose --help'.");
        }
        catch (FormatException e)
        {
            stderr.WriteLine($"{me}: {e.Message}");
        }
        catch (LiveReadException e)
        {
            progress.Clear();
            stderr.WriteLine($"{me}: {e.Message}");
        }
        catch (AwsCallException e)
        {
            progress.Clear();
            stderr.WriteLine($"{me}: {e.Message}{Hint(e)}");
        }
        catch (CredentialsUnavailableException e)
        {
            stderr.WriteLine($"{me}: {e.Message}");
        }
        catch (ArgumentException e)
        {
            stderr.WriteLine($"{me}: {e.Message}");
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Clear();
            stderr.WriteLine($"{me}: interrupted");
        }
        catch (Exception e)
        {
            // Never a stack trace: one line that names the failure.
            progress.Clear();
            stderr.WriteLine($"{me}: {e.GetType().Name}: {e.Message.Split('\n')[0].TrimEnd()}");
        }
        return RemediatorCommand.UsageOrInputError;
    }

    /// <summary>What the person can do about a failed call, for the failures that have one remedy.</summary>
    private static string Hint(AwsCallException e) => e.Code switch
    {
        "ExpiredToken" or "ExpiredTokenException" or "RequestExpired" =>
            ". The credentials have expired and fresh ones were refused too: renew them ('aws sso login', or new AWS_SESSION_TOKEN values) and run again",
        "AccessDeniedException" or "AccessDenied" or "UnauthorizedOperation" =>
            ". Reading needs logs:FilterLogEvents on the log groups and apigateway:GET on the API's stages",
        "ThrottlingException" or "Throttling" or "TooManyRequestsException" =>
            ". CloudWatch Logs kept throttling after every retry: run again in a minute, or narrow --since",
        _ => "",
    };

    /// <summary>The groups to read: each stage's execution and access logs (API Gateway GetStage), then --log-group.</summary>
    private static async Task<List<LogTarget>> Targets(LiveRequest request, IApiStages stages, Action<string> warn, CancellationToken ct)
    {
        var targets = new List<LogTarget>();
        foreach (var api in request.Apis)
        {
            if (AwsNames.ApiIdOrNull(api) is null)
            {
                throw new LiveUsageException($"'{api}' is not an API id (10 lower-case letters and digits, as in a1b2c3d4e5)");
            }
            var found = await stages.GetStagesAsync(api, request.Stage, ct).ConfigureAwait(false);
            if (found.Count == 0)
            {
                throw new LiveReadException($"API {api} has no stage: nothing writes logs yet");
            }
            foreach (var stage in found)
            {
                if (stage.ExecutionLogGroup is { } execution)
                {
                    targets.Add(new LogTarget(execution, Execution: true));
                }
                if (stage.AccessLogGroup is { } access)
                {
                    targets.Add(new LogTarget(access, Execution: false, stage.AccessLogFormat ?? AccessLogFormat.Json));
                }
                else if (stage.ApiType == ApiType.Http)
                {
                    warn($"HTTP API {api} stage {stage.Stage} has no access logging, the only log an HTTP API writes: turn it on (docs/live.md)");
                }
            }
        }
        targets.AddRange(request.LogGroups.Select(LogTarget.Parse));
        var distinct = targets.DistinctBy(t => t.Group, StringComparer.Ordinal).ToList();
        return distinct.Count > 0 ? distinct : throw new LiveReadException("no log group to read: the API's stages write no logs (execution logging off, no access logging); name one with --log-group");
    }

    /// <summary>
    /// Polls like <c>aws logs tail --follow</c>: each poll reads from a little before the end of the last window
    /// (late events still arrive; the reader drops what it has seen) up to now, prints each finding of the window and
    /// a line when nothing failed; Ctrl-C ends it with the summary of everything read.
    /// </summary>
    private static async Task<int> FollowAsync(LiveRequest request, LiveEnvironment world, LiveReader reader, List<LogTarget> targets,
        DateTimeOffset start, LiveProgress progress, Action<string> warn, TextWriter stdout, CancellationToken ct)
    {
        var total = new DiagnosisBuilder();
        var counts = new Dictionary<string, int>(StringComparer.Ordinal);
        var from = start;
        var last = start;
        var wait = world.Wait ?? ((d, token) => Task.Delay(d, world.Clock, token));
        var overlap = TimeSpan.FromMinutes(2);
        try
        {
            while (true)
            {
                var now = world.Clock.GetUtcNow();
                try
                {
                    var records = await reader.ReadAsync(targets, from, now, ct).ConfigureAwait(false);
                    progress.Clear();
                    var window = new DiagnosisBuilder();
                    foreach (var record in records)
                    {
                        window.Add(record);
                        total.Add(record);
                    }
                    var result = window.Build();
                    foreach (var f in result.Findings)
                    {
                        counts[f.Id] = counts.GetValueOrDefault(f.Id) + f.Count;
                        stdout.WriteLine($"{TimeWindow.Utc(now)}  {FindingDisplay.Status(f)} {f.Cause.ToName()}  {FindingDisplay.Api(f)}  {FindingDisplay.Route(f)}  {FindingDisplay.Function(f)}  x{f.Count}"
                            + (counts[f.Id] > f.Count ? $" ({counts[f.Id]} since {TimeWindow.Utc(start)})" : ""));
                    }
                    if (result.Findings.Count == 0)
                    {
                        stdout.WriteLine($"{TimeWindow.Utc(now)}  no failures in {TimeWindow.Describe(from, now)}");
                    }
                    stdout.Flush();
                    last = now;
                    from = now - overlap < start ? start : now - overlap;
                }
                catch (AwsCallException e)
                {
                    // Never silent, never fatal while following: the same window is read again at the next poll.
                    warn($"{e.Message}{Hint(e)}; reading the same window again in {request.Interval.TotalSeconds:0} s");
                }
                await wait(request.Interval, ct).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            progress.Clear();
            var result = total.Build();
            stdout.WriteLine();
            stdout.Write(Render(result, request, start, last, reader.Cost));
            return Exit(request, result);
        }
    }

    private static int Exit(LiveRequest request, DiagnosisResult result) =>
        request.FailOnFindings && result.Findings.Any(f => f.Status is null or >= 500) ? RemediatorCommand.FindingsFound : RemediatorCommand.Ok;

    /// <summary>The report as for files, with the window read and what reading cost in its summary.</summary>
    public static string Render(DiagnosisResult result, LiveRequest request, DateTimeOffset start, DateTimeOffset end, ReadCost cost)
    {
        var line = $"Window {TimeWindow.Describe(start, end)}; read {cost.Describe()}.";
        switch (request.Format)
        {
            case "json":
                var doc = JsonNode.Parse(JsonReport.ToJson(result, indented: false))!;
                var summary = doc["summary"]!.AsObject();
                summary["window"] = new JsonObject { ["since"] = JsonReport.Time(start), ["until"] = JsonReport.Time(end) };
                summary["read"] = new JsonObject
                {
                    ["logGroups"] = new JsonArray(cost.Groups.Select(g => (JsonNode?)JsonValue.Create(g)).ToArray()),
                    ["calls"] = cost.Calls,
                    ["events"] = cost.Events,
                    ["bytes"] = cost.Bytes,
                };
                return JsonReport.Pretty(doc.ToJsonString()) + Environment.NewLine;
            case "markdown":
                return MarkdownReport.Render(result) + Environment.NewLine + line + Environment.NewLine;
            default:
                return TextReport.Render(result, request.Colour) + Environment.NewLine + line + Environment.NewLine;
        }
    }
}

internal sealed class LiveUsageException(string message) : Exception(message);
