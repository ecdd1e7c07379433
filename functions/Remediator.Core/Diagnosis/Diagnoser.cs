using Remediator.Core.Ingest;

namespace Remediator.Core.Diagnosis;

/// <summary>The whole pipeline over in-memory or streamed records: read, group by request, classify, aggregate.</summary>
public static class Diagnoser
{
    public static DiagnosisResult Diagnose(IEnumerable<LogRecord> records, DiagnosisLimits? limits = null)
    {
        var builder = new DiagnosisBuilder(limits);
        foreach (var record in records)
        {
            builder.Add(record);
        }
        return builder.Build();
    }

    /// <summary>
    /// Diagnoses subscription deliveries as the function reads them (<see cref="DeliveryReader"/>: execution-log
    /// events through the deferring scanner), keeping the records <paramref name="keep"/> keeps (all, without it); an
    /// event that cannot be read is told to <paramref name="skipped"/> and left out (without it, it fails the read).
    /// </summary>
    public static DiagnosisResult DiagnoseDeliveries(IEnumerable<byte[]> envelopes, LogContext context, ReadLimits? readLimits = null,
        Func<LogRecord, bool>? keep = null, Action<string>? skipped = null)
    {
        var builder = new DiagnosisBuilder();
        var reader = new DeliveryReader(builder, keep ?? (_ => true));
        readLimits ??= new ReadLimits();
        foreach (var envelope in envelopes)
        {
            reader.Read(envelope, context, readLimits, skipped ?? (reason => throw new UnreadableInputException(reason)));
        }
        return builder.Build();
    }

    /// <summary>Diagnoses one input of any supported shape (see <see cref="InputReader.ReadInto"/>).</summary>
    public static DiagnosisResult Diagnose(Stream input, LogContext context, ReadLimits? readLimits = null)
    {
        var builder = new DiagnosisBuilder();
        InputReader.ReadInto(input, context, builder, readLimits);
        return builder.Build();
    }
}
