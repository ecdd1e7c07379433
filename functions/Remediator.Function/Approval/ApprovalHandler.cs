using Remediator.Function.Observability;

namespace Remediator.Function.Approval;

/// <summary>
/// The function URL side of the entry: a request to the approval page is answered here, a log delivery goes to the
/// pipeline. With repair not in approve mode there is no page, and every request gets a 404.
/// </summary>
public sealed class ApprovalHandler(ApprovalService? service, JsonLog? log = null)
{
    public bool Enabled => service is not null;

    public async Task<Stream> HandleAsync(ReadOnlyMemory<byte> evt, CancellationToken ct = default)
    {
        FunctionUrlResponse response;
        if (FunctionUrlEvent.Read(evt.Span) is not { } request)
        {
            response = new FunctionUrlResponse { StatusCode = 400, Headers = ApprovalPages.Headers(), Body = ApprovalPages.NotFound() };
        }
        else if (service is null)
        {
            log?.Write(LogLevel.Warn, "function URL request while approval is off", ("sourceIp", request.SourceIp));
            response = new FunctionUrlResponse { StatusCode = 404, Headers = ApprovalPages.Headers(), Body = ApprovalPages.NotFound() };
        }
        else
        {
            response = await service.HandleAsync(request, ct).ConfigureAwait(false);
        }
        return new MemoryStream(FunctionUrlEvent.Write(response), writable: false);
    }

    /// <summary>The event's bytes, and whether it is a function URL request; a stream that cannot seek is read once.</summary>
    public static async Task<(byte[] Bytes, bool IsFunctionUrl)> ReadAsync(Stream input, CancellationToken ct = default)
    {
        byte[] bytes;
        if (input is MemoryStream { Position: 0 } memory && memory.TryGetBuffer(out var segment) && segment.Offset == 0 && segment.Array!.Length == segment.Count)
        {
            bytes = segment.Array; // the runtime's own buffer, read only from here on: no copy of a 1 MB delivery
        }
        else if (input.CanSeek)
        {
            // One allocation of the right size, where a growing buffer and its ToArray copied the event three times.
            bytes = new byte[checked((int)(input.Length - input.Position))];
            await input.ReadExactlyAsync(bytes, ct).ConfigureAwait(false);
        }
        else
        {
            using var buffer = new MemoryStream();
            await input.CopyToAsync(buffer, ct).ConfigureAwait(false);
            bytes = buffer.ToArray();
        }
        return (bytes, FunctionUrlEvent.Is(bytes));
    }
}
