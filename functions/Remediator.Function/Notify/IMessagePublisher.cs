using Remediator.Core.Notify;

namespace Remediator.Function.Notify;

/// <summary>The port findings leave through. The real one is <see cref="Aws.SnsPublisher"/>.</summary>
public interface IMessagePublisher
{
    /// <summary>Publishes one message; returns its message id, or throws when it could not be published before the deadline.</summary>
    Task<string> PublishAsync(OutgoingMessage message, DateTimeOffset deadline, CancellationToken ct);
}
