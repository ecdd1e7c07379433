using Remediator.Function.Aws;

namespace Remediator.Cli.Live;

/// <summary>
/// What a live read needs from the world, so that tests can supply each part: the environment variables, the clock
/// that sets the window and paces <c>--follow</c> (<see cref="Wait"/>), whether standard error is a terminal, and the
/// AWS side (HTTP, credentials, retries; or the ports themselves).
/// </summary>
internal sealed record LiveEnvironment(Func<string, string?> Env, TimeProvider Clock, bool ErrorIsTerminal)
{
    /// <summary>Waits between polls of <c>--follow</c>; by default a delay on <see cref="Clock"/>.</summary>
    public Func<TimeSpan, CancellationToken, Task>? Wait { get; init; }

    public HttpClient? Http { get; init; }
    public ICredentialSource? Credentials { get; init; }
    public RetryPolicy? Retry { get; init; }

    public static LiveEnvironment System(TextWriter stderr) =>
        new(Environment.GetEnvironmentVariable, TimeProvider.System, !Console.IsErrorRedirected && ReferenceEquals(stderr, Console.Error));

    /// <summary>
    /// A token that the first Ctrl-C cancels instead of ending the process, so that <c>--follow</c> can print its
    /// summary; a second Ctrl-C ends the process as usual. Disposing it removes the handler.
    /// </summary>
    public static Interrupt CtrlC(CancellationToken outer) => new(outer);

    internal sealed class Interrupt : IDisposable
    {
        private readonly CancellationTokenSource _cts;

        public Interrupt(CancellationToken outer)
        {
            _cts = CancellationTokenSource.CreateLinkedTokenSource(outer);
            Console.CancelKeyPress += OnCancel;
        }

        public CancellationToken Token => _cts.Token;

        private void OnCancel(object? sender, ConsoleCancelEventArgs e)
        {
            if (!_cts.IsCancellationRequested)
            {
                e.Cancel = true;
                _cts.Cancel();
            }
        }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancel;
            _cts.Dispose();
        }
    }

    /// <summary>The retries a person at a terminal can wait for: throttling backs off with jitter up to 10 s a try, 8 tries.</summary>
    public static readonly RetryPolicy DefaultRetry = new(MaxAttempts: 8, BaseDelay: TimeSpan.FromMilliseconds(200), MaxDelay: TimeSpan.FromSeconds(10));

    private static readonly HttpClient SharedHttp = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>The signed clients for <paramref name="region"/>, at the endpoints the AWS conventions select.</summary>
    public (CloudWatchLogsClient Logs, ApiGatewayStages Stages) Clients(string region)
    {
        // AwsHttp runs on the real clock: its deadlines and backoff are about real waiting, whatever clock sets the window.
        var http = new AwsHttp(Http ?? SharedHttp, Credentials ?? new DefaultCredentialSource(), TimeProvider.System, Retry ?? DefaultRetry);
        var logs = new CloudWatchLogsClient(http, AwsEndpoints.Resolve(CloudWatchLogsShapes.EndpointEnvName, CloudWatchLogsShapes.EndpointPrefix, region, Env), region, TimeProvider.System);
        var stages = new ApiGatewayStages(http, region, AwsEndpoints.Resolve("API_GATEWAY", "apigateway", region, Env),
            AwsEndpoints.Resolve("APIGATEWAYV2", "apigateway", region, Env), TimeProvider.System);
        return (logs, stages);
    }
}
