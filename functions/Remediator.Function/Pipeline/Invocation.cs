namespace Remediator.Function.Pipeline;

/// <summary>
/// One invocation's event, whichever way it came: a CloudWatch Logs subscription delivery (<c>awslogs.data</c>, the
/// single-account path, unchanged) or a Kinesis batch whose records carry such deliveries (the organization's
/// fan-in through a logs destination, <see cref="KinesisBatch"/>). The answer is the delivery's outcome, or the
/// batch's <c>batchItemFailures</c>.
/// </summary>
public static class Invocation
{
    /// <summary>The event's bytes, read once: Lambda bounds the event (6 MB synchronous, 1 MB asynchronous), and both
    /// a function URL request and a delivery are read whole.</summary>
    public static async Task<byte[]> ReadAsync(Stream input, CancellationToken ct = default)
    {
        if (input is MemoryStream { Position: 0 } memory && memory.TryGetBuffer(out var segment) && segment.Offset == 0 && segment.Array!.Length == segment.Count)
        {
            return segment.Array; // the runtime's own buffer, read only from here on: no copy of a 1 MB delivery
        }
        if (input.CanSeek)
        {
            // One allocation of the right size, where a growing buffer and its ToArray copied the event three times.
            var bytes = new byte[checked((int)(input.Length - input.Position))];
            await input.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
            return bytes;
        }
        using var buffer = new MemoryStream();
        await input.CopyToAsync(buffer, ct).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public static async Task<Stream> HandleAsync(DeliveryPipeline pipeline, byte[] payload, CancellationToken ct = default, DateTimeOffset? deadline = null)
    {
        if (KinesisBatch.TryRead(payload) is { } batch)
        {
            var result = await KinesisBatch.ProcessAsync(pipeline, batch, deadline, ct).ConfigureAwait(false);
            return result.ToJsonStream();
        }
        var outcome = await pipeline.ProcessEnvelopeAsync(payload, ct, deadline).ConfigureAwait(false);
        return outcome.ToJsonStream();
    }
}
