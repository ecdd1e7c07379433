namespace Remediator.Function.Pipeline;

/// <summary>
/// One invocation's event, whichever way it came: a CloudWatch Logs subscription delivery (<c>awslogs.data</c>, the
/// single-account path, unchanged) or a Kinesis batch whose records carry such deliveries (the organization's
/// fan-in through a logs destination, <see cref="KinesisBatch"/>). The answer is the delivery's outcome, or the
/// batch's <c>batchItemFailures</c>.
/// </summary>
public static class Invocation
{
    public static async Task<Stream> HandleAsync(DeliveryPipeline pipeline, Stream input, CancellationToken ct = default, DateTimeOffset? deadline = null)
    {
        // Lambda bounds the event (6 MB synchronous, 1 MB asynchronous), so reading it whole costs at most that.
        if (input is MemoryStream { Position: 0 } memory && memory.TryGetBuffer(out var segment) && segment.Offset == 0 && segment.Array!.Length == segment.Count)
        {
            return await HandleAsync(pipeline, segment.Array, ct, deadline).ConfigureAwait(false);
        }
        using var copy = new MemoryStream();
        await input.CopyToAsync(copy, ct).ConfigureAwait(false);
        return await HandleAsync(pipeline, copy.ToArray(), ct, deadline).ConfigureAwait(false);
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
