using Remediator.Core.Diagnosis;

namespace Remediator.Core.Advice;

/// <summary>The fix for each cause, filled in with what the finding knows (function, API, stage, region).</summary>
public static class AdviceBook
{
    public static Advice For(FindingKey key, FindingFacts facts)
    {
        var fn = key.FunctionArn is null ? "<function-arn>" : key.Qualifier is null ? key.FunctionArn : $"{key.FunctionArn}:{key.Qualifier}";
        var where = Where(key);
        var (summary, steps, effort, risk, commands) = key.Cause switch
        {
            Cause.MalformedProxyResponse => (
                $"{where}: the function returned a response API Gateway cannot read as a Lambda proxy response" + (facts.ResponseProblem is { } p ? $" ({p})." : "."),
                new[]
                {
                    "Return an object with a numeric `statusCode`, string-valued `headers`, and `body` as a string: {\"statusCode\": 200, \"headers\": {\"Content-Type\": \"application/json\"}, \"body\": JSON.stringify(result)} (Python: json.dumps(result); .NET: Body = JsonSerializer.Serialize(result)).",
                    "Return that shape on error paths too: catch errors at the top of the handler and answer {\"statusCode\": 500, \"body\": \"...\"} yourself.",
                    "`isBase64Encoded` must be true or false, `multiValueHeaders` must map names to arrays of strings.",
                    facts.ApiType == ApiType.Rest
                        ? "REST proxy integrations accept nothing else: a bare JSON object or a string is a malformed response."
                        : "HTTP APIs with payload format 2.0 read a JSON object without `statusCode` as the body of a 200; with 1.0 the same rules as REST apply.",
                },
                "minutes", "low", Array.Empty<AdviceCommand>()),

            Cause.IntegrationTimeout => (
                $"{where}: API Gateway stopped waiting for the function" + (facts.LatencyMs is { } l ? $" after {l} ms" : facts.IntegrationTimeoutMs is { } limit ? $" after its integration timeout of {limit} ms" : "") + " (integration timeout).",
                new[]
                {
                    "Find what is slow: read the function's duration and trace for the sample request ids (its own log group, X-Ray).",
                    "Make the call fit: do less per request, cache, reuse connections, give the function more memory (and so more CPU).",
                    facts.ApiType switch
                    {
                        ApiType.Rest => "A REST API waits 29 s by default; Regional and private APIs can raise it with a Service Quotas request, then set `timeoutInMillis` on the integration.",
                        ApiType.Http => "HTTP APIs cannot wait longer than 30 s (`timeoutInMillis` at most 30000).",
                        _ => "REST APIs: the default limit is 29 s; Regional and private APIs can raise it with a Service Quotas request, then set `timeoutInMillis` on the integration. HTTP APIs cannot go past 30 s.",
                    },
                    "Work that takes longer belongs behind an asynchronous pattern: answer 202 Accepted at once, put the job on a queue (SQS) for a worker, and let the client poll or be called back (days, medium risk).",
                },
                "hours", "medium",
                key.ApiId is null || facts.ApiType == ApiType.Http ? Array.Empty<AdviceCommand>() :
                [
                    new AdviceCommand("Read the integration's timeout", $"aws apigateway get-resources --rest-api-id {key.ApiId} --embed methods --query \"items[?path=='{key.ResourcePath ?? "/path"}'].resourceMethods\""),
                ]),

            Cause.FunctionTimeout => (
                $"{where}: the function ran into its own timeout" + (ObservedSeconds(facts) is { } ran ? $" after {Seconds(ran)} s" : "")
                    + (facts.ErrorMessage is { } m ? $" (\"{m}\")." : "."),
                new[]
                {
                    ObservedSeconds(facts) is { } observed && observed >= SafeFunctionTimeout(facts.ApiType, facts.IntegrationTimeoutMs)
                        ? $"The function's timeout ({Seconds(observed)} s) is at or above what API Gateway waits ({IntegrationTimeoutText(facts.ApiType, facts.IntegrationTimeoutMs)}): lower it to {SafeFunctionTimeout(facts.ApiType, facts.IntegrationTimeoutMs)} s so that the function's own timeout is what the logs show, and make the work fit."
                        : $"If the work is legitimately that long, raise the function's timeout to at most {SafeFunctionTimeout(facts.ApiType, facts.IntegrationTimeoutMs)} s: below the API's integration timeout ({IntegrationTimeoutText(facts.ApiType, facts.IntegrationTimeoutMs)}), or API Gateway gives up first and the client gets a 504 anyway.",
                    "Look for a hang: a network call without a timeout, a connection pool exhausted, work done on every cold start.",
                    "Work that takes longer than an HTTP request should: answer 202 Accepted, put the job on a queue (SQS) for a worker (days, medium risk).",
                },
                "minutes", "low",
                [
                    new AdviceCommand("Set the timeout", $"aws lambda update-function-configuration --function-name {key.FunctionArn ?? "<function-arn>"} --timeout {SafeFunctionTimeout(facts.ApiType, facts.IntegrationTimeoutMs)}"),
                    new AdviceCommand("CDK", $"Timeout = Duration.Seconds({SafeFunctionTimeout(facts.ApiType, facts.IntegrationTimeoutMs)}),  // in the function's FunctionProps; below the integration timeout"),
                ]),

            Cause.FunctionError => (
                $"{where}: the function threw an unhandled error" + (facts.ErrorType is { } t ? $" ({t}" + (facts.ErrorMessage is { } em ? $": {em})." : ").") : facts.ErrorMessage is { } em2 ? $" (\"{em2}\")." : "."),
                new[]
                {
                    "Read the function's own log for the sample request ids: the stack trace is there.",
                    "Fix the error, and catch errors at the top of the handler so that callers get a deliberate 4xx/5xx instead of a 502.",
                    "If the error started with a deploy, roll the alias back to the previous version while you fix it.",
                },
                "hours", "low", FunctionLogCommands(key)),

            Cause.PayloadTooLarge => (
                $"{where}: the function's response is larger than Lambda's 6 MB limit for synchronous invocations.",
                new[]
                {
                    "Paginate: return a page and a token for the next one.",
                    "Compress: return the body gzip-compressed and base64-encoded (`isBase64Encoded: true`, `Content-Encoding: gzip`; REST APIs need a binary media type).",
                    "For large downloads, write the object to S3 and return a presigned URL (a 302 redirect or a JSON link).",
                },
                "hours", "medium", Array.Empty<AdviceCommand>()),

            Cause.MissingInvokePermission => (
                $"{where}: API Gateway may not invoke the function: its resource policy has no lambda:InvokeFunction statement for apigateway.amazonaws.com whose SourceArn covers this API.",
                new[]
                {
                    "Add the permission below (scoped to this API by SourceArn), then call the API again.",
                    "When the integration names an alias or version, the permission belongs on that qualifier (--qualifier).",
                    "Make it permanent in the stack that owns the function, or the next deploy may remove it again.",
                },
                "minutes", "medium", PermissionCommands(key, facts)),

            Cause.Throttled => (
                $"{where}: Lambda refused to run the function because its concurrency limit was reached (TooManyRequestsException); the function never ran.",
                new[]
                {
                    "Check the function's reserved concurrency: a reserved concurrency of 0 blocks every call, a small one caps it.",
                    "Raise (or remove) the reserved concurrency, or ask for a higher account limit (Service Quotas: Lambda concurrent executions).",
                    "Throttle at API Gateway below the function's concurrency (stage or usage-plan limits) so that clients get a 429 they can retry, not a 500.",
                    "Shorter functions need less concurrency: concurrency = requests per second × duration.",
                },
                "minutes", "medium",
                [
                    new AdviceCommand("Read the reserved concurrency", $"aws lambda get-function-concurrency --function-name {key.FunctionArn ?? "<function-arn>"}"),
                    new AdviceCommand("Raise it", $"aws lambda put-function-concurrency --function-name {key.FunctionArn ?? "<function-arn>"} --reserved-concurrent-executions 100"),
                    new AdviceCommand("CDK", "ReservedConcurrentExecutions = 100,  // in the function's FunctionProps"),
                ]),

            Cause.FunctionNotFound => (
                $"{where}: the integration points at a function, alias or version that does not exist ({fn}).",
                new[]
                {
                    "Check that the function and the alias exist in the API's region and account.",
                    "Fix the integration URI, or the stage variable that names the alias, or create the missing alias; then redeploy the stage.",
                    "A re-created function needs its API Gateway invoke permission again.",
                },
                "minutes", "low",
                [
                    new AdviceCommand("Check the function", $"aws lambda get-function --function-name {fn}"),
                    new AdviceCommand("List its aliases", $"aws lambda list-aliases --function-name {key.FunctionArn ?? "<function-arn>"}"),
                ]),

            Cause.InvalidIntegrationMethod => (
                $"{where}: the integration calls Lambda with an HTTP method other than POST, and Lambda's Invoke API answers 403.",
                new[]
                {
                    "Set the integration's HTTP method to POST (the client-facing method can stay GET); CDK's LambdaIntegration does this for you.",
                    "Redeploy the stage afterwards.",
                },
                "minutes", "low",
                key.ApiId is null ? Array.Empty<AdviceCommand>() :
                [
                    new AdviceCommand("Fix the integration method", $"aws apigateway update-integration --rest-api-id {key.ApiId} --resource-id <resource-id> --http-method {key.HttpMethod ?? "GET"} --patch-operations op=replace,path=/httpMethod,value=POST"),
                    new AdviceCommand("Redeploy", $"aws apigateway create-deployment --rest-api-id {key.ApiId} --stage-name {key.Stage ?? "<stage>"}"),
                ]),

            Cause.KmsAccessDenied => (
                $"{where}: Lambda could not decrypt the function's environment variables: KMS access was denied.",
                new[]
                {
                    "Give the function's execution role kms:Decrypt on the key, or fix the key policy; enable the key if it was disabled.",
                    "Then change the function's configuration once (any change) so that Lambda re-encrypts with access restored.",
                },
                "minutes", "medium", Array.Empty<AdviceCommand>()),

            Cause.MappingError => (
                $"{where}: a non-proxy integration's response mapping refers to a method response that does not exist.",
                new[]
                {
                    "Add the missing method response (status code), or fix the integration response's selection pattern.",
                    "Redeploy the stage afterwards.",
                },
                "minutes", "low", Array.Empty<AdviceCommand>()),

            Cause.LambdaServiceError => (
                $"{where}: Lambda itself answered with a server error; this is usually transient.",
                new[]
                {
                    "Check the AWS Health Dashboard for Lambda in the region.",
                    "Retry idempotent requests with backoff in clients; alarm if it lasts.",
                },
                "minutes", "low", Array.Empty<AdviceCommand>()),

            Cause.AuthorizerFailure => (
                $"{where}: the Lambda authorizer {AuthorizerFailed(key.Reason, facts)}, so API Gateway answered 500 before calling the integration" + (key.FunctionArn is null ? "." : $" (authorizer {fn})."),
                AuthorizerSteps(key.Reason, facts.ApiType),
                "minutes", "low",
                key.ApiId is null ? Array.Empty<AdviceCommand>() : facts.ApiType == ApiType.Http
                    ? [new AdviceCommand("The API's authorizers", $"aws apigatewayv2 get-authorizers --api-id {key.ApiId}")]
                    : [new AdviceCommand("The API's authorizers", $"aws apigateway get-authorizers --rest-api-id {key.ApiId}"),
                       new AdviceCommand("Test one", $"aws apigateway test-invoke-authorizer --rest-api-id {key.ApiId} --authorizer-id <authorizer-id> --headers Authorization=<token>")]),

            Cause.CredentialsRoleNotAssumable => (
                $"{where}: API Gateway may not assume the credentials role of the integration or authorizer" + (facts.ErrorMessage is { } role ? $" ({role})." : "."),
                new[]
                {
                    "Fix the role's trust policy: it must let the service principal apigateway.amazonaws.com call sts:AssumeRole.",
                    "Give the role what the integration needs (lambda:InvokeFunction on the function, or the AWS service action).",
                    "Or remove the credentials from the integration or authorizer and grant API Gateway a resource-based invoke permission instead; the function's resource policy is not what fails here, so no permission is added automatically.",
                },
                "minutes", "medium", RoleCommands(facts.ErrorMessage)),

            Cause.LambdaInvokeError => (
                $"{where}: Lambda refused to run the function" + (facts.ErrorType is { } invokeError ? $" ({invokeError})." : ".") ,
                new[]
                {
                    "The finding's note says what this Lambda error means and what to do about it.",
                    "Read the function's state and last update: VPC, file-system and package problems show there.",
                    "Nothing in the function's own log: it never ran.",
                },
                "hours", "medium",
                key.FunctionArn is null ? Array.Empty<AdviceCommand>() :
                [
                    new AdviceCommand("The function's state and last update", $"aws lambda get-function-configuration --function-name {fn} --query \"[State,StateReason,LastUpdateStatus,LastUpdateStatusReason,VpcConfig]\""),
                ]),

            Cause.RequestMappingError => (
                $"{where}: API Gateway could not build the integration request from the client's request (the request mapping).",
                new[]
                {
                    "Check the integration's request template (Velocity) for this content type against the failing request: a missing field, an unescaped value ($util.escapeJavaScript), an invalid JSON result.",
                    "Check the request parameters mapped into the integration (path, query string, headers).",
                    "Redeploy the stage after the fix; test with aws apigateway test-invoke-method and the failing body.",
                },
                "minutes", "low",
                key.ApiId is null ? Array.Empty<AdviceCommand>() :
                [
                    new AdviceCommand("Read the integration", $"aws apigateway get-integration --rest-api-id {key.ApiId} --resource-id <resource-id> --http-method {key.HttpMethod ?? "POST"}"),
                ]),

            Cause.IntegrationEndpointError => (
                $"{where}: API Gateway could not talk to the integration's endpoint (an HTTP, HTTP_PROXY or VPC link integration, not a Lambda function).",
                new[]
                {
                    "The finding's note says which: the endpoint's TLS certificate, its host name, its URL, or the network path (VPC link).",
                    "TLS: the endpoint must present a certificate from a CA API Gateway trusts, unexpired, with its full chain, for the host name called.",
                    "VPC link: the link must be AVAILABLE, the load balancer's targets healthy and listening, security groups and network ACLs open.",
                    "This is not a Lambda problem: no permission is added.",
                },
                "hours", "medium", Array.Empty<AdviceCommand>()),

            Cause.Unknown when facts.LogKind == LogKind.Access && facts.ErrorMessage is { } logged => (
                $"{where}: requests fail with a 5xx; the access log's integration error says \"{logged}\", a reason this tool does not recognise.",
                new[]
                {
                    "Read the integration error above: it is API Gateway's own account of the failure.",
                    "REST APIs: execution logging at INFO for the stage shows the lines around it.",
                },
                "minutes", "low", Array.Empty<AdviceCommand>()),

            _ => (
                $"{where}: requests fail with a 5xx, but the logs do not say why.",
                new[]
                {
                    "REST APIs: turn on execution logging at INFO (or ERROR with data tracing) for the stage; the account needs the API Gateway CloudWatch role first.",
                    "Access logs: add $context.error.responseType and $context.integration.error (REST) or $context.integrationErrorMessage (HTTP) to the format.",
                    "Then run the diagnosis again on the new logs.",
                },
                "minutes", "low",
                key.ApiId is null || key.Stage is null || facts.ApiType == ApiType.Http ? Array.Empty<AdviceCommand>() :
                [
                    new AdviceCommand("Turn on execution logs", $"aws apigateway update-stage --rest-api-id {key.ApiId} --stage-name {key.Stage} --patch-operations op=replace,path=/*/*/logging/loglevel,value=INFO"),
                ]),
        };
        // Where a command needs the function and the log did not name it (deployed, the filter drops the line that
        // does), the command that reads it from the API comes first.
        if (key.FunctionArn is null && facts.FunctionArn is null && key.Cause != Cause.MissingInvokePermission
            && (FunctionSide(key.Cause) || commands.Any(c => c.Text.Contains("<function-arn>", StringComparison.Ordinal))))
        {
            commands = [.. FindFunctionCommands(key, facts.ApiType), .. commands];
        }
        // A REST API's advice never shows an HTTP API command, and the other way round (the two CLIs are different
        // services: apigateway and apigatewayv2); when the type is not known, both may apply.
        var otherType = facts.ApiType switch { ApiType.Rest => "aws apigatewayv2 ", ApiType.Http => "aws apigateway ", _ => null };
        if (otherType is not null)
        {
            commands = commands.Where(c => !c.Text.StartsWith(otherType, StringComparison.Ordinal)).ToArray();
        }
        // Every aws command names its region: the CLI signs for its configured region, which at 3am may be another.
        var region = facts.Region ?? (key.FunctionArn is null ? null : FunctionRef.TryParse(key.FunctionArn)?.Region);
        commands = commands.Select(c => c with { Text = WithRegion(c.Text, region) }).ToArray();
        var logGroup = facts.LogGroup ?? (key.ApiId is not null && key.Stage is not null && facts.LogKind == LogKind.Execution
            ? $"API-Gateway-Execution-Logs_{key.ApiId}/{key.Stage}"
            : facts.LogKind == LogKind.Function && key.FunctionArn is not null && FunctionRef.TryParse(key.FunctionArn)?.Name is { } name ? $"/aws/lambda/{name}" : null);
        return new Advice(summary, steps, effort, risk, commands, logGroup, InsightsQuery(facts.RequestIds),
            ConsoleUrl(logGroup, facts.Region))
        {
            FunctionLog = FunctionSide(key.Cause) ? FunctionLogOf(key, facts, region) : null,
        };
    }

    private static string AuthorizerFailed(FailureReason? reason, FindingFacts facts) => reason switch
    {
        FailureReason.Threw => "threw an error" + (facts.ErrorType is { } type ? $" ({type})" : ""),
        FailureReason.Timeout => "timed out",
        FailureReason.InvalidResponse => "returned something that is not an authorizer response",
        _ => "failed",
    };

    /// <summary>The steps for an authorizer failure, the one its reason points at first.</summary>
    private static string[] AuthorizerSteps(FailureReason? reason, ApiType? apiType)
    {
        const string readLog = "Read the authorizer function's own log for the sample request times: an exception, a crash at start or a timeout shows there.";
        const string deny = "To deny a caller, throw exactly \"Unauthorized\" (401) or return a Deny policy (403); any other error becomes this 500.";
        var shape = "Return {\"principalId\": \"...\", \"policyDocument\": {\"Version\": \"2012-10-17\", \"Statement\": [...]}, \"context\": {...}} with context values that are strings, numbers or booleans only"
            + (apiType == ApiType.Rest ? "." : " (HTTP API simple responses: {\"isAuthorized\": true}).");
        const string notInvokable = "If the authorizer may not be invoked at all, the log says \"Invalid permissions on Lambda function\" (missing_invoke_permission, SourceArn .../authorizers/<id>) or that API Gateway may not assume its credentials role (credentials_role_not_assumable).";
        return reason switch
        {
            FailureReason.Threw => ["Fix the error in the authorizer function (its log has the stack trace; an error at start is a missing module, handler or setting).", deny, readLog],
            FailureReason.Timeout => ["Make the authorizer answer within its timeout: cache keys and tokens outside the handler, give outbound calls their own short timeouts, or raise the function's timeout (the client waits for it).", readLog],
            FailureReason.InvalidResponse => [shape, deny, readLog],
            _ => [readLog, deny, shape, notInvokable],
        };
    }

    /// <summary>Causes where the function ran and failed, so its own log explains the failure.</summary>
    public static bool FunctionSide(Cause cause) =>
        cause is Cause.MalformedProxyResponse or Cause.FunctionTimeout or Cause.FunctionError or Cause.PayloadTooLarge or Cause.AuthorizerFailure;

    /// <summary>The command that shows which function the failing route (or the whole API) invokes.</summary>
    internal static AdviceCommand[] FindFunctionCommands(FindingKey key, ApiType? type)
    {
        if (key.ApiId is null)
        {
            return [];
        }
        if (type == ApiType.Http)
        {
            return key.RouteKey is { } route
                ? [new AdviceCommand("Find the function (the route's target is integrations/<id>)", $"aws apigatewayv2 get-routes --api-id {key.ApiId} --query \"Items[?RouteKey=='{route}'].Target\""),
                   new AdviceCommand("Then its integration's function", $"aws apigatewayv2 get-integrations --api-id {key.ApiId} --query \"Items[].[IntegrationId,IntegrationUri]\"")]
                : [new AdviceCommand("Find the function", $"aws apigatewayv2 get-integrations --api-id {key.ApiId} --query \"Items[].[IntegrationId,IntegrationUri]\"")];
        }
        // get-integration needs the resource id, which the log does not show: get-resources finds it by path in one call.
        return key.ResourcePath is { } path
            ? [new AdviceCommand("Find the function (in the integration URI)", $"aws apigateway get-resources --rest-api-id {key.ApiId} --embed methods --query \"items[?path=='{path}'].resourceMethods.{(key.HttpMethod is { } m && m.All(char.IsAsciiLetterUpper) ? m : "*")}.methodIntegration.uri\"")]
            : [new AdviceCommand("Find the function (in the integration URIs)", $"aws apigateway get-resources --rest-api-id {key.ApiId} --embed methods --query \"items[].[path,resourceMethods.*.methodIntegration.uri]\"")];
    }

    private static FunctionLog? FunctionLogOf(FindingKey key, FindingFacts facts, string? region)
    {
        if ((key.FunctionArn ?? facts.FunctionArn) is not { } arn || FunctionRef.TryParse(arn) is not { } function)
        {
            return null;
        }
        var group = $"/aws/lambda/{function.Name}";
        region ??= function.Region;
        // The Lambda request ids API Gateway's lines name ("Lambda request id: ..."), which are the function log's
        // @requestId; the API Gateway ids match where the function logs its event; the error lines always.
        var lambdaIds = facts.LambdaRequestIds ?? [];
        var apiIds = facts.RequestIds.Where(IsPlainId).Take(Finding.MaxSampleRequestIds).ToList();
        var filters = new List<string>();
        if (lambdaIds.Count > 0)
        {
            filters.Add($"@requestId in [{string.Join(", ", lambdaIds.Select(id => $"\"{id}\""))}]");
        }
        if (apiIds.Count > 0)
        {
            filters.Add($"@message like /{string.Join('|', apiIds.Select(id => id.Replace("=", "\\=", StringComparison.Ordinal)))}/");
        }
        filters.Add("@message like /(?i)(error|exception|timed out)/");
        var query = $"fields @timestamp, @requestId, @message | filter {string.Join(" or ", filters)} | sort @timestamp asc | limit 200";
        string? start = null;
        if (facts.FirstSeen is { } first)
        {
            // A minute either side: the function's lines come before API Gateway's, and clocks differ.
            var from = first.AddMinutes(-1).ToUnixTimeSeconds();
            var to = (facts.LastSeen ?? first).AddMinutes(1).ToUnixTimeSeconds();
            start = WithRegion($"aws logs start-query --log-group-name {group} --start-time {from} --end-time {to} --query-string '{query}'", region);
        }
        return new FunctionLog(group, query, start, ConsoleUrl(group, region));
    }

    private static bool IsPlainId(string id) => id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '=' or '_');

    /// <summary>How long the function ran before it timed out, as the log shows it ("Task timed out after 10.01
    /// seconds"), else the integration latency API Gateway measured.</summary>
    public static double? ObservedSeconds(FindingFacts facts)
    {
        if (facts.ErrorMessage is { } m && m.IndexOf("timed out after ", StringComparison.Ordinal) is var at and >= 0)
        {
            var rest = m.AsSpan(at + "timed out after ".Length);
            var end = rest.IndexOf(' ');
            if (end > 0 && double.TryParse(rest[..end], System.Globalization.NumberStyles.AllowDecimalPoint, System.Globalization.CultureInfo.InvariantCulture, out var s))
            {
                return s;
            }
        }
        return facts.LatencyMs is { } ms ? ms / 1000.0 : null;
    }

    private static string Seconds(double s) => s.ToString("0.##", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>
    /// A function timeout strictly below the integration timeout: the integration's own <c>timeoutInMillis</c> when
    /// the API was read, else API Gateway's default (REST 29 s, HTTP APIs 30 s): whole seconds, at least 1.
    /// </summary>
    internal static int SafeFunctionTimeout(ApiType? type, int? integrationTimeoutMs = null) =>
        Math.Max(1, ((integrationTimeoutMs ?? (type == ApiType.Http ? 30_000 : 29_000)) - 1) / 1000);

    private static string IntegrationTimeoutText(ApiType? type, int? integrationTimeoutMs = null) => (integrationTimeoutMs, type) switch
    {
        ({ } ms, _) => $"{ms} ms, the integration's timeoutInMillis",
        (_, ApiType.Http) => "30 s for HTTP APIs",
        (_, ApiType.Rest) => "29 s by default for REST APIs",
        _ => "29 s by default for REST APIs, 30 s for HTTP APIs",
    };

    /// <summary><c>aws service operation --region r ...</c>, unless the command names one already or is not an aws command.</summary>
    internal static string WithRegion(string command, string? region)
    {
        // IAM is global: its commands take no region.
        if (!command.StartsWith("aws ", StringComparison.Ordinal) || command.StartsWith("aws iam ", StringComparison.Ordinal)
            || command.Contains(" --region ", StringComparison.Ordinal))
        {
            return command;
        }
        var second = command.IndexOf(' ', command.IndexOf(' ', 4) + 1);
        return second < 0 ? $"{command} --region {region ?? "<region>"}" : $"{command[..second]} --region {region ?? "<region>"}{command[second..]}";
    }

    private static string Where(FindingKey key)
    {
        var route = key.RouteKey ?? (key.HttpMethod is null && key.ResourcePath is null ? null : $"{key.HttpMethod ?? "*"} {key.ResourcePath ?? "*"}");
        var api = key.ApiId is null ? null : key.Stage is null ? key.ApiId : $"{key.ApiId}/{key.Stage}";
        return (api, route) switch
        {
            (null, null) => "Requests",
            (null, _) => route!,
            (_, null) => api,
            _ => $"{route} on {api}",
        };
    }

    private static AdviceCommand[] PermissionCommands(FindingKey key, FindingFacts facts)
    {
        var function = key.FunctionArn is null ? null : FunctionRef.TryParse(key.Qualifier is null ? key.FunctionArn : $"{key.FunctionArn}:{key.Qualifier}");
        var account = facts.AccountId ?? function?.AccountId;
        if (function is not null && key.ApiId is not null && account is not null)
        {
            // The same plan automatic repair would carry out: one source for the statement, its undo and its CDK.
            var plan = new Repair.PermissionPlan(function, key.ApiId, facts.Region ?? function.Region, account);
            return
            [
                new AdviceCommand("See the current policy", plan.GetPolicyCommand),
                new AdviceCommand("Grant API Gateway the invoke permission", plan.AddCommand),
                new AdviceCommand("The statement it adds", plan.StatementJson),
                new AdviceCommand("Undo", plan.UndoCommand),
                new AdviceCommand("CDK (permanent)", plan.CdkSnippet),
            ];
        }
        var fn = key.FunctionArn ?? "<function-arn>";
        var qualifier = key.Qualifier is null ? "" : $" --qualifier {key.Qualifier}";
        var apiId = key.ApiId ?? "<api-id>";
        var sourceArn = $"arn:aws:execute-api:{facts.Region ?? "<region>"}:{account ?? "<account-id>"}:{apiId}/*";
        // The log did not name the function (deployed, the filter passes only the failure's own lines): say how to
        // find the functions the API invokes, its integrations and its Lambda authorizers.
        AdviceCommand[] find = key.ApiId is null || key.FunctionArn is not null ? [] : facts.ApiType == ApiType.Http
            ?
            [
                new AdviceCommand("Find the functions the API invokes", $"aws apigatewayv2 get-integrations --api-id {key.ApiId} --query \"Items[].IntegrationUri\""),
                new AdviceCommand("And its Lambda authorizers", $"aws apigatewayv2 get-authorizers --api-id {key.ApiId} --query \"Items[].[AuthorizerId,AuthorizerUri]\""),
            ]
            :
            [
                new AdviceCommand("Find the functions the API invokes", $"aws apigateway get-resources --rest-api-id {key.ApiId} --embed methods --query \"items[].resourceMethods.*.methodIntegration.uri\""),
                new AdviceCommand("And its Lambda authorizers", $"aws apigateway get-authorizers --rest-api-id {key.ApiId} --query \"items[].[id,authorizerUri]\""),
            ];
        return
        [
            .. find,
            new AdviceCommand("See the current policy", $"aws lambda get-policy --function-name {fn}{qualifier}"),
            new AdviceCommand("Grant API Gateway the invoke permission",
                $"aws lambda add-permission --function-name {fn}{qualifier} --statement-id remediator-{apiId} --action lambda:InvokeFunction --principal apigateway.amazonaws.com --source-arn {sourceArn} --source-account {account ?? "<account-id>"}"),
            new AdviceCommand("Undo", $"aws lambda remove-permission --function-name {fn}{qualifier} --statement-id remediator-{apiId}"),
            new AdviceCommand("CDK (permanent)",
                "fn.AddPermission(\"ApiGatewayInvoke\", new Permission { Principal = new ServicePrincipal(\"apigateway.amazonaws.com\"), Action = \"lambda:InvokeFunction\", SourceArn = api.ArnForExecuteApi() });"),
        ];
    }

    private static AdviceCommand[] RoleCommands(string? roleArn)
    {
        var name = roleArn is null ? "<role-name>" : roleArn[(roleArn.LastIndexOf('/') + 1)..];
        return
        [
            new AdviceCommand("Read the role's trust policy", $"aws iam get-role --role-name {name} --query Role.AssumeRolePolicyDocument"),
            new AdviceCommand("Let API Gateway assume it (this replaces the whole trust policy: merge any other statement it has)",
                $"aws iam update-assume-role-policy --role-name {name} --policy-document '{{\"Version\":\"2012-10-17\",\"Statement\":[{{\"Effect\":\"Allow\",\"Principal\":{{\"Service\":\"apigateway.amazonaws.com\"}},\"Action\":\"sts:AssumeRole\"}}]}}'"),
            new AdviceCommand("Read its permissions", $"aws iam list-attached-role-policies --role-name {name}"),
        ];
    }

    private static AdviceCommand[] FunctionLogCommands(FindingKey key)
    {
        var function = key.FunctionArn is null ? null : FunctionRef.TryParse(key.FunctionArn);
        return function is null ? [] :
        [
            new AdviceCommand("The function's recent errors", $"aws logs filter-log-events --region {function.Region} --log-group-name /aws/lambda/{function.Name} --filter-pattern ERROR --max-items 20"),
        ];
    }

    /// <summary>ASCII letters and digits, '-', '=' and '_': what a sample id may hold to go into the query's regular expression.</summary>
    private static readonly System.Buffers.SearchValues<char> QueryIdChars =
        System.Buffers.SearchValues.Create("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-=_");

    private static string? InsightsQuery(IReadOnlyList<string> requestIds)
    {
        var ids = requestIds.Where(id => !id.AsSpan().ContainsAnyExcept(QueryIdChars)).Take(Finding.MaxSampleRequestIds).ToList();
        if (ids.Count == 0)
        {
            return null;
        }
        return $"fields @timestamp, @message | filter @message like /{string.Join('|', ids.Select(id => id.Replace("=", "\\=", StringComparison.Ordinal)))}/ | sort @timestamp asc | limit 500";
    }

    /// <summary>The CloudWatch console encodes the group name twice over, with '$25' standing for '%'.</summary>
    private static string? ConsoleUrl(string? logGroup, string? region) =>
        logGroup is null || region is null ? null
            : $"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#logsV2:log-groups/log-group/{Uri.EscapeDataString(logGroup).Replace("%", "$25", StringComparison.Ordinal)}";
}

/// <summary>What the advice may use of a finding besides its key.</summary>
/// <param name="IntegrationTimeoutMs">The integration's <c>timeoutInMillis</c> as API Gateway's configuration says (read
/// by the function when repair may read the API); null for the API type's default.</param>
/// <param name="FunctionArn">The function API Gateway's configuration says serves the failing request, when the log does
/// not name it (deployed, the filter drops the line that does): it points to the function's own log, never changes the key.</param>
/// <param name="LambdaRequestIds">Lambda's request ids that API Gateway's lines name: the function log's <c>@requestId</c>.</param>
public sealed record FindingFacts(
    ApiType? ApiType, LogKind LogKind, string? ErrorType, string? ErrorMessage, long? LatencyMs, string? ResponseProblem,
    string? AccountId, string? Region, string? LogGroup, IReadOnlyList<string> RequestIds,
    int? IntegrationTimeoutMs = null, DateTimeOffset? FirstSeen = null, DateTimeOffset? LastSeen = null, IReadOnlyList<string>? LambdaRequestIds = null,
    string? FunctionArn = null);
