using System.CommandLine;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Report;

namespace Remediator.Cli;

/// <summary><c>remediator diagnose FILE... [-]</c>: the offline diagnosis of exported or pasted logs.</summary>
internal static class DiagnoseCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, Func<Stream> openStdin)
    {
        var files = new Argument<string[]>("files")
        {
            Description = "Log files in any supported shape (detected, not declared); '-' reads standard input.",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var format = new Option<string>("--format", "-f")
        {
            Description = "Output format.",
            DefaultValueFactory = _ => "text",
        };
        format.AcceptOnlyFromAmong(ReportOutput.Formats);
        var output = new Option<string?>("--output", "-o") { Description = "Write the report to this file instead of standard output (for --format html: one self-contained page)." };
        var failOnFindings = new Option<bool>("--fail-on-findings") { Description = "Exit 1 when there is a 5xx finding." };
        var logGroup = new Option<string[]>("--log-group")
        {
            Description = "With files: the log group the lines came from, for inputs that do not say (e.g. API-Gateway-Execution-Logs_abc123/prod): gives the API id and stage. With --since: a group to read from CloudWatch Logs (NAME[:json|:clf]; repeatable).",
        };
        var noColor = new Option<bool>("--no-color") { Description = "No colours, even on a terminal (NO_COLOR is honoured too)." };

        var command = new Command("diagnose", "Diagnose API Gateway 5xx failures from exported or pasted logs. Reads; never changes anything.")
        {
            files, format, failOnFindings, logGroup, noColor, output,
        };
        foreach (var option in Live.LiveCommand.Options)
        {
            command.Options.Add(option);
        }
        command.SetAction(async (parse, ct) =>
        {
            var paths = parse.GetValue(files) ?? [];
            var groups = parse.GetValue(logGroup) ?? [];
            if (Live.LiveCommand.Requested(parse))
            {
                if (paths.Length > 0)
                {
                    stderr.WriteLine("remediator diagnose: either files or a live read (--api, --since, --follow), not both. Try 'remediator diagnose --help'.");
                    return RemediatorCommand.UsageOrInputError;
                }
                if (parse.GetValue(format) == ReportOutput.Html || parse.GetValue(output) is not null)
                {
                    // The live read does not record the timeline yet: refuse rather than print something else.
                    stderr.WriteLine("remediator diagnose: --format html and -o are for files; a live read prints text, json or markdown to standard output (redirect it to keep it).");
                    return RemediatorCommand.UsageOrInputError;
                }
                var liveColour = parse.GetValue(format) == "text" && !parse.GetValue(noColor) && !Console.IsOutputRedirected
                    && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && ReferenceEquals(stdout, Console.Out);
                using var interrupt = Live.LiveEnvironment.CtrlC(ct);
                return await Live.LiveCommand.RunAsync(Live.LiveCommand.From(parse, groups, parse.GetValue(format)!, parse.GetValue(failOnFindings), liveColour),
                    Live.LiveEnvironment.System(stderr), stdout, stderr, interrupt.Token);
            }
            if (groups.Length > 1)
            {
                stderr.WriteLine("remediator diagnose: with files, --log-group names the one group they came from; several are for a live read (--since).");
                return RemediatorCommand.UsageOrInputError;
            }
            if (paths.FirstOrDefault(p => p.Length > 1 && p[0] == '-') is { } unknown)
            {
                // The parser hands an unknown option to the files argument: refuse it before reading anything.
                stderr.WriteLine($"remediator diagnose: unknown option '{unknown}'. Try 'remediator diagnose --help' (a file whose name starts with '-': ./{unknown}).");
                return RemediatorCommand.UsageOrInputError;
            }
            if (paths.Length == 0)
            {
                if (!Console.IsInputRedirected)
                {
                    stderr.WriteLine("remediator diagnose: name at least one file, or '-' for standard input. Try 'remediator diagnose --help'.");
                    return RemediatorCommand.UsageOrInputError;
                }
                paths = ["-"];
            }
            var colour = parse.GetValue(format) == "text" && !parse.GetValue(noColor) && !Console.IsOutputRedirected
                && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR")) && ReferenceEquals(stdout, Console.Out);
            return Run(paths, parse.GetValue(format)!, parse.GetValue(failOnFindings), groups.FirstOrDefault(), colour, stdout, stderr, openStdin,
                parse.GetValue(output), terminal: !Console.IsOutputRedirected && ReferenceEquals(stdout, Console.Out));
        });
        return command;
    }

    internal static int Run(IReadOnlyList<string> paths, string format, bool failOnFindings, string? logGroup, bool colour,
        TextWriter stdout, TextWriter stderr, Func<Stream> openStdin, string? output = null, bool terminal = false)
    {
        var timeline = new TimelineRecorder();
        var builder = new DiagnosisBuilder { FailureObserved = timeline.Add };
        var unreadable = false;
        foreach (var path in paths)
        {
            if (!ReadOne(path, logGroup, builder, stderr, openStdin))
            {
                unreadable = true;
            }
        }
        var result = builder.Build();
        foreach (var warning in result.Warnings)
        {
            // Ambiguity the input leaves (ids that could be one request or two, requests of unknown API): said, not guessed.
            stderr.WriteLine($"remediator: warning: {warning}");
        }
        if (!ReportOutput.Write(format, result, timeline.Build(result), paths.Select(p => p == "-" ? "stdin" : Path.GetFileName(p)).ToList(),
            colour, terminal, output, stdout, stderr))
        {
            return RemediatorCommand.UsageOrInputError;
        }
        if (unreadable)
        {
            return RemediatorCommand.UsageOrInputError;
        }
        return failOnFindings && result.Findings.Any(f => f.Status is null or >= 500) ? RemediatorCommand.FindingsFound : RemediatorCommand.Ok;
    }

    /// <summary>Feeds one file to the diagnosis; on bad input says so in one line and keeps what was read before the fault.</summary>
    private static bool ReadOne(string path, string? logGroup, DiagnosisBuilder builder, TextWriter stderr, Func<Stream> openStdin)
    {
        var name = path == "-" ? "stdin" : path;
        if (path != "-" && Directory.Exists(path))
        {
            stderr.WriteLine($"remediator: {name}: is a directory; name the log files in it");
            return false;
        }
        try
        {
            using var stream = path == "-" ? openStdin() : File.OpenRead(path);
            var context = new LogContext(logGroup, null, name);
            var apiGateway = builder.ApiGatewayRecords;
            var function = builder.FunctionLogRecords;
            var records = InputReader.ReadInto(stream, context, builder);
            if (records == 0)
            {
                stderr.WriteLine($"remediator: {name}: no log lines in it");
                return true;
            }
            if (builder.ApiGatewayRecords > apiGateway)
            {
                return true;
            }
            if (builder.FunctionLogRecords > function)
            {
                // What the function's log shows is diagnosed (a function error or timeout), but not what API Gateway did.
                stderr.WriteLine($"remediator: {name}: no API Gateway line in it; read as a Lambda function's own log");
                return true;
            }
            // No silent all-clear: "no findings" from a file that is not an API Gateway log would be a false verdict.
            stderr.WriteLine($"remediator: {name}: no API Gateway line in it (expected execution or access logs); nothing in it was diagnosed");
            return false;
        }
        catch (UnreadableInputException e)
        {
            stderr.WriteLine($"remediator: {name}: {e.Message}");
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"remediator: {name}: cannot read ({e.Message})");
        }
        return false;
    }
}
