using Amazon.DynamoDBv2;
using Amazon.Runtime;
using Remediator.Function.Aws;

namespace Remediator.Function.State;

/// <summary>
/// Builds the shared state when <c>STATE_TABLE</c> names a table, and nothing otherwise (each environment then keeps
/// its own cooldown in memory, as before). The endpoint follows the AWS_ENDPOINT_URL conventions (DYNAMODB).
/// </summary>
public static class SharedStateSetup
{
    public const string TableVariable = "STATE_TABLE";

    /// <summary>How long one DynamoDB call may wait for its answer: the table is a guard, and an alert must not wait
    /// long for it. With one retry, a table that does not answer costs about two of these, once per invocation.</summary>
    public static readonly TimeSpan CallTimeout = TimeSpan.FromSeconds(2);

    public static ISharedState? FromEnvironment(Func<string, string?> env, string? region, ICredentialSource credentials)
    {
        if (env(TableVariable) is not { Length: > 0 } table)
        {
            return null;
        }
        if (table.Length is < 3 or > 255 || !table.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
        {
            throw new OptionsException($"{TableVariable} is not a DynamoDB table name (3 to 255 of letters, digits, _ - .): '{table}'");
        }
        var where = region ?? throw new OptionsException($"AWS_REGION (or AWS_DEFAULT_REGION) is not set: {TableVariable} names a table in the function's region");
        var config = new AmazonDynamoDBConfig
        {
            // An explicit endpoint and region: the SDK then resolves nothing itself (no instance metadata, no profile).
            ServiceURL = AwsEndpoints.Resolve("DYNAMODB", "dynamodb", where, env).ToString(),
            AuthenticationRegion = where,
            MaxErrorRetry = 1,
            Timeout = CallTimeout,
        };
        return new DynamoDbSharedState(new AmazonDynamoDBClient(new SourceCredentials(credentials), config), table);
    }

    /// <summary>The function's own credential source (the one every other client signs with), as the SDK wants it:
    /// never the SDK's default chain, which would probe the instance metadata service where there is none.</summary>
    private sealed class SourceCredentials(ICredentialSource source) : AWSCredentials
    {
        public override ImmutableCredentials GetCredentials() => source.GetAsync(CancellationToken.None).GetAwaiter().GetResult();

        public override Task<ImmutableCredentials> GetCredentialsAsync() => source.GetAsync(CancellationToken.None);
    }
}
