using System.Diagnostics;
using Remediator.Core.Advice;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Core.Repair;
using Remediator.Function.Approval;
using Remediator.Function.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Repair;
using Remediator.Function.State;

namespace Remediator.Function.Pipeline;

/// <summary>
/// One delivery, start to end: decode → diagnose → (repair, next) → notify → metrics. It lives as long as the
/// execution environment, so the alert gate's cooldown spans invocations.
/// </summary>
public sealed class DeliveryPipeline(FunctionOptions options, IMessagePublisher publisher, TimeProvider time, JsonLog log, PermissionRepairer? repairer = null,
    Organization.AccountRepairers? accounts = null,
    ISharedState? state = null,
    ApprovalLinks? approvals = null)
{
    private static readonly TimeSpan SafetyMargin = TimeSpan.FromMilliseconds(500);
    private readonly AlertGate _gate = new(options.Cooldown);

    // With a shared state (STATE_TABLE) the cooldown lives in the table, and only the threshold stays here.
    private readonly AlertGate _threshold = new(TimeSpan.Zero);

    public FunctionOptions Options => options;

    public JsonLog Log => log;

    public TimeProvider Time => time;

    /// <summary>
    /// Several deliveries of one owner account diagnosed and notified as one (a Kinesis batch's group, KinesisBatch):
    /// each is an <c>{"awslogs":{"data":...}}</c> envelope. <paramref name="ownerAccount"/> fills the account where
    /// the lines do not show it, and selects the repair credentials (AccountRepairers).
    /// </summary>
    public Task<DeliveryOutcome> ProcessAsync(IReadOnlyList<byte[]> envelopes, string? ownerAccount, DateTimeOffset? invocationDeadline, CancellationToken ct = default) =>
        ProcessAsync(() => envelopes, ct, invocationDeadline, ownerAccount);

    /// <param name="invocationDeadline">The invocation's own deadline when the host knows it (the Runtime API's
    /// Lambda-Runtime-Deadline-Ms); the time budget applies otherwise, and the earlier of the two wins.</param>
    public Task<DeliveryOutcome> ProcessAsync(Stream input, CancellationToken ct = default, DateTimeOffset? invocationDeadline = null, string? ownerAccount = null) =>
        ProcessAsync(() => [InputReader.ReadCapped(input, options.ReadLimits.MaxEnvelopeBytes, "the delivery")], ct, invocationDeadline, ownerAccount);

    /// <summary>A delivery already in memory (the invocation's event): read where it lies, under the same size limit as a stream.</summary>
    public Task<DeliveryOutcome> ProcessEnvelopeAsync(byte[] envelope, CancellationToken ct = default, DateTimeOffset? invocationDeadline = null, string? ownerAccount = null) =>
        ProcessAsync(() => [InputReader.Capped(envelope, options.ReadLimits.MaxEnvelopeBytes, "the delivery")], ct, invocationDeadline, ownerAccount);

    private async Task<DeliveryOutcome> ProcessAsync(Func<IEnumerable<byte[]>> envelopes, CancellationToken ct, DateTimeOffset? invocationDeadline, string? ownerAccount)
    {
        var started = time.GetTimestamp();
        var deadline = time.GetUtcNow() + options.TimeBudget;
        if (invocationDeadline is { } hard && hard - SafetyMargin < deadline)
        {
            deadline = hard - SafetyMargin; // leave time to report the outcome before Lambda stops the invocation
        }

        // 1. Decode and diagnose, streaming: base64 → gzip → JSON events → requests → findings.
        var builder = new DiagnosisBuilder();
        var (logEvents, skippedEvents, control) = Decode(envelopes, builder, started);
        var diagnosis = builder.Build();

        // 2. Gate, then repair: a finding alerted within the cooldown is neither repaired nor sent again; one that is
        //    not critical waits for REMEDIATOR_ALERT_MIN_REQUESTS failed requests. API Gateway's answers and the write
        //    budget last this invocation only. Messages are built only for what is sent, once (step 3).
        var items = new List<DigestItem>();
        var open = new Dictionary<string, (int Unsent, bool Deferred)>(StringComparer.Ordinal); // gate id → items not yet published
        var itemGate = new Dictionary<DigestItem, string>(ReferenceEqualityComparer.Instance);
        var suppressed = 0;
        var belowThreshold = 0;
        var session = repairer?.NewSession();
        var memberSessions = new Dictionary<string, (Organization.AccountRepairer Choice, RepairSession? Session)>(StringComparer.Ordinal);
        var shared = state is null ? null : new SharedCooldown(state, options.Cooldown, _threshold, log);
        var sharedKeys = new Dictionary<string, string>(StringComparer.Ordinal); // finding id → its key in the table
        var undeduped = new HashSet<string>(StringComparer.Ordinal); // finding ids decided without the table
        foreach (var found in diagnosis.Findings)
        {
            // The region and account the function knows fill what the filtered lines do not show.
            var finding = ResolvedFinding.InContext(found, options.Region, ownerAccount);
            var critical = FindingMessages.Severity(finding.Cause) == "critical";
            AlertDecision decision;
            if (shared is null)
            {
                decision = _gate.Consider(finding.Id, finding.Count, time.GetUtcNow(), critical ? 1 : options.AlertMinRequests);
            }
            else
            {
                var key = sharedKeys[finding.Id] = SharedCooldown.Key(finding.AccountId, finding.Id);
                decision = await shared.ConsiderAsync(key, finding.Id, finding.Count, time.GetUtcNow(), critical ? 1 : options.AlertMinRequests, ct).ConfigureAwait(false);
                if (shared.Unavailable)
                {
                    undeduped.Add(finding.Id);
                    session?.StateUnavailable = true; // without the table's lock, no environment writes a policy
                }
            }
            if (!decision.Send)
            {
                if (decision.BelowThreshold)
                {
                    belowThreshold++;
                    log.Write(LogLevel.Info, "finding below threshold", Fields(FindingSanitizer.Clean(finding), ("heldBack", decision.SuppressedSinceLastAlert), ("minRequests", options.AlertMinRequests)));
                }
                else
                {
                    suppressed++;
                    log.Write(LogLevel.Info, "finding suppressed (cooldown)", Fields(FindingSanitizer.Clean(finding), ("suppressedSinceLastAlert", decision.SuppressedSinceLastAlert)));
                }
                continue;
            }
            IReadOnlyList<RepairReport?> reports = [null];
            IntegrationFacts? integration = null;
            var (findingRepairer, findingSession) = (repairer, session);
            if (accounts is not null && repairer is not null && accounts.IsMember(finding.AccountId))
            {
                // Another account's API: its own role, assumed once per account and invocation (Organization/).
                if (!memberSessions.TryGetValue(finding.AccountId!, out var member))
                {
                    var choice = await accounts.ForAsync(finding.AccountId!, deadline, ct).ConfigureAwait(false);
                    member = memberSessions[finding.AccountId!] = (choice, choice.Repairer?.NewSession());
                }
                (findingRepairer, findingSession) = (member.Choice.Repairer, member.Session);
                if (findingRepairer is null && finding.Cause == Cause.MissingInvokePermission)
                {
                    reports = [Organization.AccountRepairers.Refuse(finding, member.Choice.Refusal!)];
                }
            }
            if (findingRepairer is not null && findingSession is not null)
            {
                if (finding.Cause == Cause.MissingInvokePermission)
                {
                    var repaired = await findingRepairer.RepairAsync(finding, findingSession, deadline, ct).ConfigureAwait(false);
                    // The approval page applies plans with the function's own credentials: a member account's plan gets no
                    // link (it stays planned, with its command), rather than a link the page could not apply.
                    reports = approvals is null || !ReferenceEquals(findingRepairer, repairer) ? repaired
                        : await WithApprovalLinksAsync(repaired, approvals, deadline, ct).ConfigureAwait(false);
                }
                else if (finding.Cause is Cause.IntegrationTimeout || (AdviceBook.FunctionSide(finding.Cause) && finding.Key.FunctionArn is null)
                    || finding.Cause == Cause.FunctionTimeout)
                {
                    // The advice keeps a function timeout below what API Gateway waits for this integration, and points to
                    // the function's own log when the filtered lines do not name the function.
                    integration = await findingRepairer.ReadIntegrationAsync(finding, findingSession, deadline, ct).ConfigureAwait(false);
                }
            }
            foreach (var repair in reports)
            {
                var clean = FindingSanitizer.Clean(repair?.Finding ?? finding, integrationTimeoutMs: integration?.TimeoutMs, functionArn: integration?.FunctionArn);
                if (repair is not null)
                {
                    log.Write(repair.Result == RepairResult.Refused ? LogLevel.Warn : LogLevel.Info, "repair " + repair.Result.ToString().ToLowerInvariant(),
                        Fields(clean, ("repair", repair.CauseName), ("refusal", repair.Refusal is { } r ? RepairReport.ReasonName(r) : null),
                            ("statementId", repair.Plan?.StatementId), ("target", repair.Plan?.ResourceArn), ("detail", Scrubber.Clean(repair.Detail, 500)),
                            ("undo", repair.Result == RepairResult.Repaired ? repair.Plan?.UndoCommand : null)));
                }
                var item = new DigestItem(clean, repair, decision.SuppressedSinceLastAlert, decision.LastAlertAt);
                items.Add(item);
                itemGate[item] = finding.Id;
                open[finding.Id] = (open.GetValueOrDefault(finding.Id).Unsent + 1, open.GetValueOrDefault(finding.Id).Deferred || repair?.Deferred == true);
            }
        }

        // 3. Notify: one digest per API and stage (its findings by cause, the worst first), in parts only when large.
        var published = new List<OutgoingMessage>();
        var failures = new List<string>();
        var account = items.Select(i => i.Finding.AccountId).FirstOrDefault(a => a is not null);
        foreach (var group in items.GroupBy(i => (i.Finding.Key.ApiId, i.Finding.Key.Stage)))
        {
            foreach (var message in DigestMessages.Build(group.ToList(), Rate(diagnosis, account) with
                     { Region = options.Region, DedupStateUnavailable = group.Any(i => undeduped.Contains(itemGate[i])) }))
            {
                try
                {
                    var messageId = await publisher.PublishAsync(message, deadline, ct).ConfigureAwait(false);
                    published.Add(message);
                    log.Write(LogLevel.Info, "digest published", ("messageId", messageId), ("digestId", message.FindingId), ("apiId", group.Key.ApiId),
                        ("stage", group.Key.Stage), ("findingIds", string.Join(",", message.FindingIds)), ("bytes", message.Size));
                    foreach (var item in group.Where(i => message.FindingIds.Contains(i.Finding.Id)))
                    {
                        // One line per finding as well: searches by findingId keep finding it.
                        log.Write(LogLevel.Info, "finding published", Fields(item.Finding, ("messageId", messageId), ("digestId", message.FindingId),
                            ("suppressedSinceLastAlert", item.SuppressedSinceLastAlert)));
                        var id = itemGate[item];
                        var (unsent, deferred) = open[id];
                        open[id] = (unsent - 1, deferred);
                        // A finding whose repair the write budget deferred stays open: the cooldown must not silence
                        // the next delivery's try, which its message promises.
                        if (unsent == 1 && !deferred)
                        {
                            if (shared is null)
                            {
                                _gate.Sent(id, time.GetUtcNow());
                            }
                            else
                            {
                                shared.Sent(sharedKeys[id], id, time.GetUtcNow());
                            }
                        }
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
                {
                    failures.Add($"{message.FindingId} ({string.Join(",", message.FindingIds)}): {FirstLine(e.Message)}");
                    log.Write(LogLevel.Error, "digest not published", ("digestId", message.FindingId), ("findingIds", string.Join(",", message.FindingIds)),
                        ("error", e.GetType().Name), ("detail", Scrubber.Clean(e.Message, 500)));
                }
            }
        }

        // A claimed window whose message was not sent is given back, so that the next delivery (a retry of this one,
        // or another environment's) alerts it instead of the table silencing it for the cooldown.
        if (shared is not null)
        {
            await shared.ReleaseUnsentAsync(ct).ConfigureAwait(false);
        }

        // 4. Metrics, then the verdict: a message that could not be published fails the invocation.
        WriteMetrics(new DeliveryMetrics
        {
            LogEvents = logEvents,
            SkippedLogEvents = skippedEvents,
            FailedRequests = diagnosis.Summary.Failed,
            Findings = diagnosis.Findings.Count,
            MessagesPublished = published.Count,
            MessagesSuppressed = suppressed,
            FindingsBelowThreshold = belowThreshold,
            PublishFailures = failures.Count,
            DurationMs = time.GetElapsedTime(started).TotalMilliseconds,
            FailedRequestsByCause = diagnosis.Findings.GroupBy(f => f.Cause.ToName()).ToDictionary(g => g.Key, g => (long)g.Sum(f => f.Count)),
        });
        if (failures.Count > 0)
        {
            throw new PublishFailedException($"{failures.Count} of {published.Count + failures.Count} message(s) not published: {string.Join("; ", failures)}", failures);
        }
        return new DeliveryOutcome(control, logEvents, diagnosis.Summary.Requests, diagnosis.Summary.Failed, published, suppressed, failures)
        {
            BelowThreshold = belowThreshold,
        };
    }

    /// <summary>
    /// The error rate is knowable only when the delivery carries every request of its window, failed or not. The
    /// filters the stack deploys forward only failing lines (phrases of failure, 5xx access entries), so a delivery
    /// holding requests that did not fail comes from a subscription that passes everything: then, when it is about
    /// one API and stage, the rate is failed over read. Otherwise the digest says why there is none.
    /// </summary>
    private static DigestContext Rate(DiagnosisResult diagnosis, string? account)
    {
        var apis = diagnosis.Findings.Select(f => (f.Key.ApiId, f.Key.Stage)).Distinct().Count();
        if (diagnosis.Summary.Requests <= diagnosis.Summary.Failed)
        {
            return new DigestContext(account, null, RateNote: "the logs hold only failed requests (the subscription filter forwards failing lines only); an access-log group subscribed with an empty filter pattern gives the rate");
        }
        return apis == 1
            ? new DigestContext(account, null, diagnosis.Summary.Requests) { FailedRequests = diagnosis.Summary.Failed }
            : new DigestContext(account, null, RateNote: "the logs mix several APIs or stages, and do not say which one each request that succeeded was for");
    }

    /// <summary>
    /// Reads the delivery into the builder. An event that cannot be read is skipped, logged and counted, and the rest
    /// are diagnosed: one bad line must not send every finding of its delivery to the on-failure queue after
    /// Lambda's retries. Only a delivery that cannot be read at all fails the invocation.
    /// </summary>
    private (long LogEvents, long Skipped, bool Control) Decode(Func<IEnumerable<byte[]>> envelopes, DiagnosisBuilder builder, long started)
    {
        // Execution-log events through the deferring scanner, as the CLI reads them: a request that succeeds costs no
        // string per line. The records and the diagnosis are those of reading every event and filtering each.
        var reader = new DeliveryReader(builder, static record => IsApiGatewayLog(record));
        var skipped = 0L;
        long logEvents;
        try
        {
            void Skip(string reason)
            {
                skipped++;
                log.Write(LogLevel.Warn, "log event skipped", ("reason", reason));
            }
            foreach (var envelope in envelopes())
            {
                if (InputReader.Detect(envelope.AsSpan(), whole: true) != InputShape.SubscriptionEnvelope)
                {
                    throw new UnreadableInputException("not a CloudWatch Logs subscription delivery; expected {\"awslogs\":{\"data\":\"<base64 of gzip>\"}}");
                }
                reader.Read(envelope, LogContext.For("delivery"), options.ReadLimits, Skip);
            }
            // A CONTROL_MESSAGE (CloudWatch checking the destination) decodes to no events at all.
            logEvents = reader.Records;
            return (logEvents, skipped, logEvents == 0 && skipped == 0);
        }
        catch (UnreadableInputException e)
        {
            logEvents = reader.Records;
            log.Write(LogLevel.Error, "undecodable delivery", ("reason", e.Message), ("logEventsRead", logEvents));
            WriteMetrics(new DeliveryMetrics { DecodeFailures = 1, LogEvents = logEvents, SkippedLogEvents = skipped, DurationMs = time.GetElapsedTime(started).TotalMilliseconds });
            throw new UndecodableDeliveryException($"undecodable delivery: {e.Message}", e);
        }
    }

    /// <summary>
    /// With an account-wide subscription (allApis) any log group can deliver a line that contains a decisive phrase
    /// (a function's own "Task timed out after ..."). Execution-log lines count only from execution-log groups;
    /// access-log entries (JSON or CLF, any group name, as owners choose) always count.
    /// </summary>
    internal static bool IsApiGatewayLog(in LogRecord record)
    {
        if (record.Access is not null || record.Context.LogGroup is null || record.Context.IsExecutionLogGroup)
        {
            return true;
        }
        var text = record.Text.AsSpan().TrimStart();
        return !text.IsEmpty && (text[0] == '{' || AccessLogEntry.LooksLikeClf(text));
    }

    private void WriteMetrics(DeliveryMetrics metrics)
    {
        lock (log.Output)
        {
            foreach (var line in EmfMetrics.Lines(metrics, time.GetUtcNow()))
            {
                log.Output.WriteLine(line);
            }
        }
    }

    /// <summary>Approve mode: each planned repair carries its signed link. Without one (KMS failed) the plan is still
    /// sent, as dry-run sends it, and the log says why there is no link.</summary>
    private async Task<IReadOnlyList<RepairReport?>> WithApprovalLinksAsync(IReadOnlyList<RepairReport> reports, ApprovalLinks links, DateTimeOffset deadline, CancellationToken ct)
    {
        var linked = new List<RepairReport?>(reports.Count);
        foreach (var report in reports)
        {
            if (report.Result != RepairResult.Planned || report.Plan is null)
            {
                linked.Add(report);
                continue;
            }
            try
            {
                linked.Add(report with { ApproveUrl = await links.MakeAsync(report, deadline, ct).ConfigureAwait(false) });
            }
            catch (Aws.AwsCallException e)
            {
                log.Write(LogLevel.Error, "approval link not made", ("statementId", report.Plan.StatementId), ("target", report.Plan.ResourceArn),
                    ("detail", Scrubber.Clean(e.Message, 500)));
                linked.Add(report);
            }
        }
        return linked;
    }

    private static string FirstLine(string text) => text.AsSpan().IndexOfAny('\r', '\n') is var end and >= 0 ? text[..end] : text;

    private static (string, object?)[] Fields(Finding f, params (string, object?)[] extra) =>
    [
        ("findingId", f.Id), ("cause", f.Cause.ToName()), ("count", f.Count), ("status", f.Status), ("apiId", f.Key.ApiId),
        ("stage", f.Key.Stage), ("route", Core.Report.FindingDisplay.Route(f)), ("function", f.Key.FunctionArn), ("evidence", f.Evidence),
        .. extra,
    ];
}
