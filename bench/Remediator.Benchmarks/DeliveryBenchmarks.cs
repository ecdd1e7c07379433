using BenchmarkDotNet.Attributes;
using Remediator.Core.Diagnosis;
using Remediator.Core.Ingest;
using Remediator.Core.Notify;
using Remediator.Function;
using Remediator.Function.Notify;
using Remediator.Function.Observability;
using Remediator.Function.Pipeline;

namespace Remediator.Benchmarks;

/// <summary>
/// A 1 MB (decoded) delivery: decode only (base64 + gzip + JSON into events) is the baseline; then decode +
/// diagnose, as the handler reads a delivery and as the CLI reads a delivery file; then the whole handler with an
/// in-memory publisher.
/// </summary>
[MemoryDiagnoser]
public class DeliveryBenchmarks
{
    private byte[] _delivery = [];
    private Handler _handler = null!;

    [GlobalSetup]
    public void Setup()
    {
        _delivery = Deliveries.Build(1024 * 1024);
        var options = FunctionOptions.Load(name => name == OptionNames.TopicArn ? "arn:aws:sns:us-east-1:123456789012:bench" : null);
        // Cooldown 0: every invocation publishes every finding, the most work the handler can do.
        _handler = new Handler(new DeliveryPipeline(options with { Cooldown = TimeSpan.Zero }, new MemoryPublisher(), TimeProvider.System,
            new JsonLog(TextWriter.Null, LogLevel.Info, TimeProvider.System)));
    }

    [Benchmark(Baseline = true)]
    public long DecodeOnly()
    {
        var count = 0L;
        foreach (var record in InputReader.Read(new MemoryStream(_delivery), LogContext.For("bench")))
        {
            count += record.Text.Length;
        }
        return count;
    }

    /// <summary>Decode and diagnose as the handler does (execution-log events through the deferring scanner).</summary>
    /// <summary>
    /// The least any reader of a delivery must do: base64 and gzip into bytes, no event read. A stricter reference than
    /// <see cref="DecodeOnly"/>, which also turns every event into a string: the handler no longer does that for the
    /// lines of requests that succeed, so it can cost less than DecodeOnly; against this one it cannot.
    /// </summary>
    [Benchmark]
    public long DecompressOnly()
    {
        using var data = SubscriptionPayload.OpenData(_delivery);
        var buffer = new byte[64 * 1024];
        long total = 0;
        int read;
        while ((read = data.Read(buffer)) > 0)
        {
            total += read;
        }
        return total;
    }

    [Benchmark]
    public int DecodeAndDiagnose() => Diagnoser.DiagnoseDeliveries([_delivery], LogContext.For("bench")).Findings.Count;

    /// <summary>Decode and diagnose as <c>remediator diagnose</c> reads a delivery file (record by record).</summary>
    [Benchmark]
    public int DecodeAndDiagnoseCli() => Diagnoser.Diagnose(new MemoryStream(_delivery), LogContext.For("bench")).Findings.Count;

    [Benchmark]
    public async Task<long> WholeHandler()
    {
        await using var result = await _handler.Handle(new MemoryStream(_delivery));
        return result.Length;
    }

    private sealed class MemoryPublisher : IMessagePublisher
    {
        public Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct) =>
            Task.FromResult(message.FindingId);
    }
}
