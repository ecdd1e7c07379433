using System.CommandLine;
using Remediator.Core.Notify;
using Remediator.Function;
using Remediator.Function.Aws;
using Remediator.Function.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Pipeline;

namespace Remediator.Cli;

/// <summary>
/// <c>remediator replay EVENT.json</c>: runs the whole Lambda handler locally on an event file. By default it prints
/// the SNS messages it would publish and sends nothing; with <c>--publish</c> (or <c>--endpoint-url</c>) it publishes
/// through the real signed client. Options mirror the function's environment variables: one options record, two
/// front doors (an option given here wins over the variable).
/// </summary>
internal static class ReplayCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var file = new Argument<string>("event") { Description = "A Lambda event file: a CloudWatch Logs subscription delivery {\"awslogs\":{\"data\":...}}." };
        var topic = new Option<string?>("--topic-arn") { Description = $"SNS topic to publish to (default: ${OptionNames.TopicArn})." };
        var endpoint = new Option<string?>("--endpoint-url") { Description = "SNS endpoint to publish to, e.g. http://127.0.0.1:4566 (sets AWS_ENDPOINT_URL_SNS; implies --publish)." };
        var publish = new Option<bool>("--publish") { Description = "Publish for real (signed, with the AWS credentials of the environment). Without it nothing is sent." };
        var cooldown = new Option<int?>("--cooldown-minutes") { Description = $"Cooldown between alerts of the same finding (default: ${OptionNames.CooldownMinutes} or 15)." };
        var verbose = new Option<bool>("--verbose") { Description = "Also print the function's own JSON log and metric lines (to standard error)." };
        var region = new Option<string?>("--region") { Description = "Default region (else AWS_REGION, AWS_DEFAULT_REGION, the profile's); a topic ARN's region wins for SNS." };
        var repair = new Option<string>("--repair")
        {
            Description = "Repair of missing invoke permissions: off (default here: nothing is read or written), dry-run (reads API Gateway and Lambda, plans), auto (also writes the permission).",
            DefaultValueFactory = _ => "off",
        };
        repair.AcceptOnlyFromAmong("off", "dry-run", "auto");
        var command = new Command("replay", "Run the Lambda handler locally on an event file; prints the messages it would publish unless --publish.")
        {
            file, topic, endpoint, publish, cooldown, verbose, repair, region,
        };
        command.SetAction(async (parse, ct) =>
        {
            var overrides = new Dictionary<string, string>();
            if (parse.GetValue(topic) is { } t) overrides[OptionNames.TopicArn] = t;
            if (parse.GetValue(endpoint) is { } e) overrides["AWS_ENDPOINT_URL_SNS"] = e;
            if (parse.GetValue(cooldown) is { } c) overrides[OptionNames.CooldownMinutes] = c.ToString(System.Globalization.CultureInfo.InvariantCulture);
            overrides[OptionNames.RepairMode] = parse.GetValue(repair)!;
            if (parse.GetValue(region) is { } r) overrides["AWS_REGION"] = r;
            // A person replaying acts with their own credentials, which bound what can change: unless the environment
            // names the APIs, every API the replayed delivery shows is in scope (the deployed function has no such default).
            if (environment(OptionNames.RepairApis) is null && environment(OptionNames.RepairAnyApi) is null)
            {
                overrides[OptionNames.RepairAnyApi] = "true";
            }
            var send = parse.GetValue(publish) || parse.GetValue(endpoint) is not null;
            if (!send && environment(OptionNames.TopicArn) is null && !overrides.ContainsKey(OptionNames.TopicArn))
            {
                overrides[OptionNames.TopicArn] = "arn:aws:sns:us-east-1:123456789012:remediator-dry-run"; // printing only: never used
            }
            string? Env(string name) => overrides.TryGetValue(name, out var v) ? v : environment(name);
            return await Run(parse.GetValue(file)!, send, parse.GetValue(verbose), Env, stdout, stderr, ct);
        });
        return command;
    }

    internal static async Task<int> Run(string path, bool send, bool verbose, Func<string, string?> env, TextWriter stdout, TextWriter stderr, CancellationToken ct)
    {
        DeliveryPipeline pipeline;
        try
        {
            var options = FunctionOptions.Load(env);
            var log = new JsonLog(verbose ? stderr : TextWriter.Null, options.LogLevel, TimeProvider.System);
            IMessagePublisher publisher = send ? Composition.Sns(options.TopicArn, env, TimeProvider.System) : new PrintingPublisher(stdout);
            pipeline = new DeliveryPipeline(options, publisher, TimeProvider.System, log, Composition.Repairer(options, env, TimeProvider.System));
        }
        catch (Exception e) when (e is OptionsException or ArgumentException or FormatException)
        {
            stderr.WriteLine($"remediator replay: {e.Message}" + (e.Message.Contains("AWS_REGION", StringComparison.Ordinal) ? " (or pass --region)" : ""));
            return RemediatorCommand.UsageOrInputError;
        }
        if (Directory.Exists(path))
        {
            stderr.WriteLine($"remediator replay: {path}: is a directory; name an event file");
            return RemediatorCommand.UsageOrInputError;
        }
        try
        {
            await using var input = File.OpenRead(path);
            var outcome = await pipeline.ProcessAsync(input, ct);
            var verb = send ? "published" : "would be published (nothing was sent; --publish sends)";
            stdout.WriteLine(outcome.Control
                ? "A CONTROL_MESSAGE: CloudWatch Logs checking the destination; nothing to diagnose."
                : $"{outcome.LogEvents} log event(s), {outcome.Requests} request(s), {outcome.FailedRequests} failed: {outcome.Published.Count} message(s) {verb}, {outcome.Suppressed} held back by the cooldown.");
            return RemediatorCommand.Ok;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"remediator replay: {path}: cannot read ({e.Message})");
            return RemediatorCommand.UsageOrInputError;
        }
        catch (UndecodableDeliveryException e)
        {
            stderr.WriteLine($"remediator replay: {path}: {e.Message}");
            return RemediatorCommand.UsageOrInputError;
        }
        catch (PublishFailedException e)
        {
            // One line per finding, then exit 2: what failed is the environment (credentials, endpoint), not the input.
            foreach (var failure in e.Failures.DefaultIfEmpty(e.Message))
            {
                stderr.WriteLine($"remediator replay: not published: {failure}");
            }
            return RemediatorCommand.UsageOrInputError;
        }
        catch (CredentialsUnavailableException e)
        {
            stderr.WriteLine($"remediator replay: {e.Message}");
            return RemediatorCommand.UsageOrInputError;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Never a stack trace: one line that names the failure.
            stderr.WriteLine($"remediator replay: {e.GetType().Name}: {e.Message.Split('\n')[0].TrimEnd()}");
            return RemediatorCommand.UsageOrInputError;
        }
    }

    /// <summary>Prints each message as it would be published: subject, attributes and the bodies per protocol.</summary>
    private sealed class PrintingPublisher(TextWriter output) : IMessagePublisher
    {
        private int _count;

        public Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct)
        {
            _count++;
            output.WriteLine(message.FindingIds.Count > 1 || message.FindingIds[0] != message.FindingId
                ? $"=== Message {_count}: digest {message.FindingId} of {message.FindingIds.Count} finding(s): {string.Join(", ", message.FindingIds)}"
                : $"=== Message {_count}: finding {message.FindingId}");
            output.WriteLine($"Subject: {message.Subject}");
            output.WriteLine("Attributes: " + string.Join(", ", message.Attributes.Select(a => $"{a.Name}={a.Value}")));
            output.WriteLine($"Size: {message.Size} bytes (SNS limit {OutgoingMessage.MaxBytes})");
            output.WriteLine("--- https: Amazon Q Developer in chat applications (Slack)");
            output.WriteLine(Pretty(message.Chatbot));
            output.WriteLine("--- email");
            output.WriteLine(message.Email.TrimEnd());
            output.WriteLine("--- default (sqs, lambda, email-json): machine JSON");
            output.WriteLine(Pretty(message.Machine));
            output.WriteLine();
            return Task.FromResult($"dry-run-{_count}");
        }

        private static string Pretty(string json) => Core.Report.JsonReport.Pretty(json);
    }
}
