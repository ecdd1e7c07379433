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

    /// <summary>Diagnoses one input of any supported shape (see <see cref="InputReader.ReadInto"/>).</summary>
    public static DiagnosisResult Diagnose(Stream input, LogContext context, ReadLimits? readLimits = null)
    {
        var builder = new DiagnosisBuilder();
        InputReader.ReadInto(input, context, builder, readLimits);
        return builder.Build();
    }
}
