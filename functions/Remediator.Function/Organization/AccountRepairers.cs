using System.Collections.Concurrent;
using Remediator.Core.Diagnosis;
using Remediator.Core.Repair;
using Remediator.Function.Aws;
using Remediator.Function.Repair;

namespace Remediator.Function.Organization;

/// <summary>The repairer for one account, or why there is none (the detail of a <c>no_member_role</c> refusal).</summary>
public sealed record AccountRepairer(PermissionRepairer? Repairer, string? Refusal);

/// <summary>
/// Picks the credentials repair runs with by the account that owns the failing API (the delivery's <c>owner</c>,
/// which CloudWatch Logs writes and a log line cannot change): the function's own account keeps the function's
/// role, exactly as a single-account deployment; any other account gets its member role, assumed with STS, and
/// the same checks run against that account. An account with no member role is refused with its own reason.
/// </summary>
public sealed class AccountRepairers(OrganizationOptions options, Func<string, ICredentialSource> credentialsFor, Func<ICredentialSource, PermissionRepairer> repairerWith,
    TimeProvider time)
{
    private readonly ConcurrentDictionary<string, (ICredentialSource Credentials, PermissionRepairer Repairer)> _members = new(StringComparer.Ordinal);

    public OrganizationOptions Options => options;

    /// <summary>True for an account other than the function's own: its repairs go through <see cref="ForAsync"/>.
    /// An unknown account (null) stays with the function's own repairer, which refuses it (account_unknown).</summary>
    public bool IsMember(string? account) => account is not null && account != options.OwnAccount;

    /// <summary>The member account's repairer with its role's credentials, assumed now if the cached ones are stale.</summary>
    public async Task<AccountRepairer> ForAsync(string account, DateTimeOffset deadline, CancellationToken ct)
    {
        if (!OrganizationOptions.IsAccountId(account))
        {
            return new AccountRepairer(null, $"'{account}' is not an account id (12 digits): no role is assumed for it");
        }
        if (options.RoleArn(account) is not { } roleArn)
        {
            return new AccountRepairer(null, options.MemberRoleName is null
                ? $"the API is in account {account}, not the function's ({options.OwnAccount}), and no member role is configured ({OrganizationOptions.MemberRoleNameVariable}): deploy the member stack there and set it, or repair by hand"
                : $"account {account} is not in {OrganizationOptions.MemberAccountsVariable}: no role is assumed there");
        }
        var member = _members.GetOrAdd(account, _ =>
        {
            var credentials = credentialsFor(roleArn);
            return (credentials, repairerWith(credentials));
        });
        try
        {
            // Assumed here, not inside the first API Gateway call, so that a role that cannot be assumed is refused as
            // that, rather than reported as a failed apigateway:GET.
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var left = deadline - time.GetUtcNow();
            timeout.CancelAfter(left > TimeSpan.Zero ? left : TimeSpan.Zero);
            await member.Credentials.GetAsync(timeout.Token).ConfigureAwait(false);
            return new AccountRepairer(member.Repairer, null);
        }
        catch (AwsCallException e)
        {
            return new AccountRepairer(null, $"the member role {roleArn} could not be assumed ({(e.Status is null ? "" : $"HTTP {e.Status} ")}{e.Code ?? "no answer"}): " +
                "deploy the member stack in that account, and check that its trust names this function's role");
        }
        catch (OperationCanceledException) when (!ct.IsCancellationRequested)
        {
            return new AccountRepairer(null, $"the member role {roleArn} could not be assumed in time");
        }
    }

    /// <summary>The refusal a finding of an account without a member role gets.</summary>
    public static RepairReport Refuse(Finding finding, string detail) =>
        new(finding, RepairResult.Refused, null, RefusalReason.NoMemberRole, detail, []);

    /// <summary>
    /// The composition for the function: STS in the function's region with the function's own credentials, one
    /// <see cref="MemberCredentials"/> per member role, and a repairer over the same clients as the function's own.
    /// With no member role configured, every other account is refused (<c>no_member_role</c>) and STS is never called.
    /// </summary>
    public static AccountRepairers Create(FunctionOptions function, OrganizationOptions options, Func<string, string?> env, TimeProvider time, HttpClient http,
        ICredentialSource ownCredentials, Func<ICredentialSource, PermissionRepairer> repairerWith)
    {
        // Built only beside a repairer, which already requires the region: STS is called in the function's own.
        var region = function.Region ?? throw new OptionsException("AWS_REGION (or AWS_DEFAULT_REGION) is not set: member roles are assumed with STS in the function's region");
        var sts = new StsClient(new AwsHttp(http, ownCredentials, time), AwsEndpoints.Resolve("STS", "sts", region, env), region);
        return new AccountRepairers(options, roleArn => new MemberCredentials(sts, roleArn, options.ExternalId, time), repairerWith, time);
    }
}
