using Remediator.Core.Diagnosis;

namespace Remediator.Core.Ingest;

/// <summary>
/// Reads subscription deliveries (one, or a Kinesis group's several) into one <see cref="DiagnosisBuilder"/>, with
/// the diagnosis of adding every record of <see cref="SubscriptionPayload.ReadEvents"/> that <paramref name="keep"/>
/// keeps, but at the CLI's cost: the events of an execution-log group (or of a message that names no group) go
/// through the deferring scanner (<see cref="Scan.JsonEventsScanner"/>), so that the lines of a request that never
/// fails cost no string, no normalisation and no phrase scan. Every record of such a group is kept (its lines are API
/// Gateway's by where they come from), so <paramref name="keep"/> is asked only about the records of any other group,
/// which are read one by one, and about records whose event names a group of its own. Malformed deliveries, limits and
/// events that cannot be read behave as with <see cref="SubscriptionPayload.ReadEvents"/>.
/// </summary>
/// <param name="keep">Whether a record counts for the diagnosis (the function's deployed filter); it is read either way.</param>
public sealed class DeliveryReader(DiagnosisBuilder builder, Func<LogRecord, bool> keep)
{
    private readonly Scan.JsonEventsScanner _scanner = new(builder);
    private long _others;

    /// <summary>The records read so far, kept or not (as many as <see cref="SubscriptionPayload.ReadEvents"/> yields),
    /// also when a delivery failed part-way.</summary>
    public long Records => _others + _scanner.Records;

    /// <summary>Reads one delivery's events into the builder; see <see cref="SubscriptionPayload.ReadEvents"/> for
    /// <paramref name="skipped"/> and the <see cref="UnreadableInputException"/> of a delivery that cannot be read.</summary>
    public void Read(byte[] envelope, LogContext context, ReadLimits limits, Action<string> skipped)
    {
        foreach (var record in SubscriptionPayload.ReadRecords(envelope, context, limits, skipped, (json, events, name) => ReadEvents(json, events, name, skipped)))
        {
            // What the message holds besides its events array (a results array, a test-invoke log): one by one.
            _others++;
            if (keep(record))
            {
                builder.Add(record);
            }
        }
    }

    private void ReadEvents(JsonTokenStream json, LogContext context, string arrayName, Action<string> skipped)
    {
        if (context.LogGroup is null || context.IsExecutionLogGroup)
        {
            _scanner.ReadEvents(json, context, arrayName, skipped, keep);
            return;
        }
        // Another group (an account-wide subscription): its lines count only as access-log entries, which keep decides
        // record by record, as the reference reader's elements.
        foreach (var record in JsonContainers.Elements(json, arrayName, context, skipped))
        {
            _others++;
            if (keep(record))
            {
                builder.Add(record);
            }
        }
    }
}
