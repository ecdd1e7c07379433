using Remediator.Function.Approval;
using Remediator.Function.Aws;
using Remediator.Function.Observability;
using Remediator.Function.Pipeline;
using Remediator.Function.Repair;

namespace Remediator.Function;

/// <summary>
/// The Lambda entry: <c>Remediator.Function::Remediator.Function.Handler::Handle</c> on the managed dotnet10 runtime.
/// Stream in, Stream out, so no Lambda package or serializer is needed (aws-wire-facts §6.2). It does three
/// things: hand the delivery to the pipeline, return the outcome, and let failures fail the invocation.
/// </summary>
public sealed class Handler
{
    // Built once per execution environment (cold start): options validated, clients and the alert gate kept warm.
    private static readonly Lazy<DeliveryPipeline> Default = new(() => Composition.Pipeline(Environment.GetEnvironmentVariable, TimeProvider.System));

    private static readonly Lazy<ApprovalHandler> DefaultApprovals = new(() => Composition.Approvals(Environment.GetEnvironmentVariable, TimeProvider.System));

    private readonly DeliveryPipeline _pipeline;
    // Built on the first function URL request: only the approval page's function gets any, so the function that reads
    // the logs never builds the page's clients at its cold start.
    private readonly Lazy<ApprovalHandler> _approvals;

    /// <summary>Used by Lambda: real AWS clients from the environment.</summary>
    public Handler()
    {
        _pipeline = Default.Value;
        _approvals = DefaultApprovals;
    }

    /// <summary>Used by tests and by <c>remediator replay</c>: any publisher, clock and log.</summary>
    /// <param name="approvals">The approval page behind the function URL; without it a function URL request gets a 404.</param>
    public Handler(DeliveryPipeline pipeline, ApprovalHandler? approvals = null)
    {
        _pipeline = pipeline;
        _approvals = new Lazy<ApprovalHandler>(approvals ?? new ApprovalHandler(null));
    }

    public async Task<Stream> Handle(Stream input)
    {
        // Function URL requests (the approval page) and log deliveries arrive at the same entry.
        var bytes = await Invocation.ReadAsync(input).ConfigureAwait(false);
        if (FunctionUrlEvent.Is(bytes))
        {
            return await _approvals.Value.HandleAsync(bytes).ConfigureAwait(false);
        }
        // A subscription delivery, or a Kinesis batch of them (the organization's fan-in): Invocation tells them apart.
        return await Invocation.HandleAsync(_pipeline, bytes).ConfigureAwait(false); // the bytes as read: no second copy
    }
}

/// <summary>The composition root: options from the environment, the signed SNS client, the raw stdout log.</summary>
public static class Composition
{
    public static DeliveryPipeline Pipeline(Func<string, string?> env, TimeProvider time, TextWriter? output = null, HttpClient? http = null,
        ICredentialSource? credentials = null)
    {
        var options = FunctionOptions.Load(env);
        var log = new JsonLog(output ?? RawStdout(), options.LogLevel, time);
        var state = State.SharedStateSetup.FromEnvironment(env, options.Region, credentials ?? new DefaultCredentialSource());
        var repairer = Repairer(options, env, time, http, credentials, state: state);
        return new DeliveryPipeline(options, Sns(options.TopicArn, env, time, http, credentials), time, log, repairer,
            repairer is null ? null : Accounts(options, env, time, http, credentials, state), state,
            options.Repair.Mode == Core.Repair.RepairMode.Approve ? Links(ApprovalOptions.Load(env), options, env, time, http, credentials) : null);
    }

    /// <summary>The approval page (approve mode), or a handler that answers 404 in any other mode.</summary>
    public static ApprovalHandler Approvals(Func<string, string?> env, TimeProvider time, TextWriter? output = null, HttpClient? http = null,
        ICredentialSource? credentials = null)
    {
        var options = FunctionOptions.Load(env);
        var log = new JsonLog(output ?? RawStdout(), options.LogLevel, time);
        if (options.Repair.Mode != Core.Repair.RepairMode.Approve)
        {
            return new ApprovalHandler(null, log);
        }
        var approval = ApprovalOptions.Load(env);
        // The same repair lock as the delivery path, so an approval and an auto-mode environment never write at once.
        var state = State.SharedStateSetup.FromEnvironment(env, options.Region, credentials ?? new DefaultCredentialSource());
        var repairer = Repairer(options, env, time, http, credentials, state: state)!;
        var lambda = new LambdaClient(new AwsHttp(http ?? SharedHttp, credentials ?? new DefaultCredentialSource(), time), r => AwsEndpoints.Resolve("LAMBDA", "lambda", r, env));
        var service = new ApprovalService(approval, Links(approval, options, env, time, http, credentials), repairer, lambda,
            Sns(options.TopicArn, env, time, http, credentials), time, log);
        return new ApprovalHandler(service, log);
    }

    /// <summary>Approval links signed by the KMS HMAC key, for the page at REMEDIATOR_APPROVAL_URL or the function's own URL.</summary>
    public static ApprovalLinks Links(ApprovalOptions approval, FunctionOptions options, Func<string, string?> env, TimeProvider time, HttpClient? http = null,
        ICredentialSource? credentials = null)
    {
        var region = options.Region ?? throw new OptionsException($"AWS_REGION (or AWS_DEFAULT_REGION) is not set: approve mode signs links with KMS in the function's region");
        var aws = new AwsHttp(http ?? SharedHttp, credentials ?? new DefaultCredentialSource(), time);
        var kms = new KmsMacClient(aws, AwsEndpoints.Resolve("KMS", "kms", region, env), region, approval.KeyId);
        Func<DateTimeOffset, CancellationToken, Task<Uri>> page;
        if (approval.Url is { } url)
        {
            page = (_, _) => Task.FromResult(url);
        }
        else
        {
            var self = env("AWS_LAMBDA_FUNCTION_NAME") ?? throw new OptionsException($"{ApprovalOptionNames.Url} is not set, and there is no AWS_LAMBDA_FUNCTION_NAME to ask Lambda for the function's URL");
            var urls = new FunctionUrlConfigClient(aws, AwsEndpoints.Resolve("LAMBDA", "lambda", region, env), region, self);
            page = urls.GetAsync;
        }
        return new ApprovalLinks(kms, time, approval.Ttl, page);
    }

    /// <summary>Repair in other accounts of the organization through their member roles (Organization/).</summary>
    public static Organization.AccountRepairers Accounts(FunctionOptions options, Func<string, string?> env, TimeProvider time, HttpClient? http = null,
        ICredentialSource? credentials = null, State.ISharedState? state = null) =>
        // One repair lock per function and API across accounts: member repairers share the table with the central one.
        Organization.AccountRepairers.Create(options, Organization.OrganizationOptions.Load(env, options.TopicArn), env, time, http ?? SharedHttp,
            credentials ?? new DefaultCredentialSource(), member => Repairer(options, env, time, http, member, state: state)!);

    /// <summary>The repair step, or null when repair is off. Reads API Gateway and Lambda (and in auto mode writes Lambda
    /// policies) through the endpoints the AWS conventions select for the function's region.</summary>
    public static PermissionRepairer? Repairer(FunctionOptions options, Func<string, string?> env, TimeProvider time, HttpClient? http = null,
        ICredentialSource? credentials = null, RetryPolicy? retry = null, State.ISharedState? state = null)
    {
        if (options.Repair.Mode == Core.Repair.RepairMode.Off)
        {
            return null;
        }
        var region = options.Region ?? throw new OptionsException($"AWS_REGION (or AWS_DEFAULT_REGION) is not set: repair ({OptionNames.RepairMode}={options.Repair.Mode}) calls API Gateway and Lambda in the function's region");
        var aws = new AwsHttp(http ?? SharedHttp, credentials ?? new DefaultCredentialSource(), time, retry);
        var lambda = new LambdaClient(aws, r => AwsEndpoints.Resolve("LAMBDA", "lambda", r, env));
        var apis = new ApiGatewayClient(aws, region, AwsEndpoints.Resolve("API_GATEWAY", "apigateway", region, env), AwsEndpoints.Resolve("APIGATEWAYV2", "apigateway", region, env));
        return new PermissionRepairer(options.Repair, apis, lambda, region, state, time);
    }

    /// <summary>The SNS client for a topic: the topic ARN's region wins; the endpoint follows the AWS_ENDPOINT_URL conventions.</summary>
    public static SnsPublisher Sns(string topicArn, Func<string, string?> env, TimeProvider time, HttpClient? http = null,
        ICredentialSource? credentials = null, RetryPolicy? retry = null)
    {
        var region = AwsEndpoints.RegionOf(topicArn) ?? throw new OptionsException($"no region in the topic ARN '{topicArn}'");
        var endpoint = AwsEndpoints.Resolve("SNS", "sns", region, env);
        return new SnsPublisher(new AwsHttp(http ?? SharedHttp, credentials ?? new DefaultCredentialSource(), time, retry), topicArn, endpoint, region);
    }

    private static readonly HttpClient SharedHttp = new() { Timeout = Timeout.InfiniteTimeSpan };

    /// <summary>
    /// stdout without the managed runtime's prefixes (it rewrites Console.WriteLine; aws-wire-facts §6.4), so that
    /// EMF and JSON log lines reach CloudWatch as pure JSON.
    /// </summary>
    public static TextWriter RawStdout() => new StreamWriter(Console.OpenStandardOutput()) { AutoFlush = true };
}
