using Remediator.Function;
using Remediator.Function.Runtime;

// The custom-runtime entry: the same composition root and pipeline as the managed handler, hosted by our own
// Runtime API loop. A start that fails (bad configuration) is reported as an init error, then the process exits.
var runtimeApi = Environment.GetEnvironmentVariable("AWS_LAMBDA_RUNTIME_API");
if (string.IsNullOrEmpty(runtimeApi))
{
    Console.Error.WriteLine("bootstrap: AWS_LAMBDA_RUNTIME_API is not set: this program is started by Lambda (provided.al2023)");
    return 2;
}
using var http = new HttpClient { Timeout = Timeout.InfiniteTimeSpan }; // the next-event GET blocks, by design
// Errors are logged (stdout: CloudWatch Logs) before they are reported: nobody reads an asynchronous invocation's error.
var loop = new RuntimeApiLoop(http, RuntimeApiLoop.BaseUri(runtimeApi), Composition.RawStdout());
Remediator.Function.Pipeline.DeliveryPipeline pipeline;
try
{
    pipeline = Composition.Pipeline(Environment.GetEnvironmentVariable, TimeProvider.System);
}
catch (Exception e)
{
    await loop.InitErrorAsync(e, CancellationToken.None);
    return 1;
}
// Built on the first function URL request, as in the managed handler: only the approval page's function gets any.
var approvals = new Lazy<Remediator.Function.Approval.ApprovalHandler>(() => Composition.Approvals(Environment.GetEnvironmentVariable, TimeProvider.System));
await loop.RunAsync(async (invocation, ct) =>
{
    // The approval page's function URL requests and log deliveries arrive at the same function.
    if (Remediator.Function.Approval.FunctionUrlEvent.Is(invocation.Event))
    {
        return await approvals.Value.HandleAsync(invocation.Event, ct);
    }
    // A subscription delivery, or a Kinesis batch of them (the organization's fan-in).
    return await Remediator.Function.Pipeline.Invocation.HandleAsync(pipeline, invocation.Event, ct, invocation.Deadline);
}, CancellationToken.None);
return 0;
