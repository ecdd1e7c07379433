using Amazon.Runtime;
using Remediator.Function.Aws;

namespace Remediator.Function.Organization;

/// <summary>
/// The credentials of one member account's repair role: assumed with STS on first use, kept until
/// <see cref="OrganizationOptions.RenewBefore"/> before they expire, then assumed again. One instance per account for
/// the life of the execution environment, so a storm of findings costs one AssumeRole per account per 13 minutes.
/// </summary>
public sealed class MemberCredentials(IStsClient sts, string roleArn, string? externalId, TimeProvider time) : ICredentialSource
{
    /// <summary>The longest one AssumeRole may take, retries included: it runs inside a call's own attempt.</summary>
    private static readonly TimeSpan CallBudget = TimeSpan.FromSeconds(10);

    private readonly SemaphoreSlim _gate = new(1, 1);
    private AssumedRole? _current;

    public string RoleArn => roleArn;

    /// <summary>AssumeRole calls made so far.</summary>
    public int Assumed { get; private set; }

    public async Task<ImmutableCredentials> GetAsync(CancellationToken ct)
    {
        if (Fresh(_current) is { } ready)
        {
            return ready;
        }
        await _gate.WaitAsync(ct).ConfigureAwait(false);
        try
        {
            if (Fresh(_current) is { } meanwhile)
            {
                return meanwhile; // a concurrent caller assumed the role while this one waited
            }
            var request = new AssumeRoleRequest(roleArn, OrganizationOptions.SessionName, (int)OrganizationOptions.SessionDuration.TotalSeconds, externalId);
            var assumed = await sts.AssumeRoleAsync(request, time.GetUtcNow() + CallBudget, ct).ConfigureAwait(false);
            Assumed++;
            _current = assumed;
            return assumed.Credentials;
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>After an expired-token answer: the next call assumes the role again.</summary>
    public void Invalidate() => _current = null;

    private ImmutableCredentials? Fresh(AssumedRole? role) =>
        role is not null && time.GetUtcNow() < role.Expiration - OrganizationOptions.RenewBefore ? role.Credentials : null;
}
