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
}
