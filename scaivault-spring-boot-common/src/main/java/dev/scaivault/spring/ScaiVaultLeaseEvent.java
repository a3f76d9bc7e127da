package dev.scaivault.spring;

import dev.scaivault.Lease;
import java.util.Objects;
import java.util.Optional;
import org.springframework.context.ApplicationEvent;

/**
 * A lifecycle step of a dynamic-credentials lease held by the starter's credential source. The {@link
 * Lease} carries no credentials (its data was removed). Published asynchronously, on one {@code
 * scaivault-spring-events} thread, in the order the steps happened.
 */
public final class ScaiVaultLeaseEvent extends ApplicationEvent {
    private static final long serialVersionUID = 1L;

    /** What happened to the lease. */
    public enum Type {
        /** A lease was generated (the first one, or a successor). */
        CREATED,
        /** A renewal extended the lease. */
        RENEWED,
        /** A renewal failed; the source retries or acquires a successor. */
        RENEWAL_FAILED,
        /** A successor replaced the lease in force. */
        ROTATED,
        /** A lease was revoked (after the pool let go of it, at its expiry, or on close). */
        REVOKED,
        /** The lease in force expired without a successor: the credentials no longer work. */
        EXPIRED,
        /** Acquiring a lease failed. */
        ERROR
    }

    private final Type type;
    private final transient Lease lease;
    private final transient Lease previous;
    private final String message;

    ScaiVaultLeaseEvent(String sourceName, Type type, Lease lease, Lease previous, String message) {
        super(sourceName);
        this.type = Objects.requireNonNull(type, "type");
        this.lease = lease;
        this.previous = previous;
        this.message = message;
    }

    /** The credential source's name, for example {@code lease:postgres/app}. */
    public String sourceName() {
        return (String) getSource();
    }

    public Type type() {
        return type;
    }

    /** The lease concerned (for {@link Type#ROTATED}: the successor); empty for {@link Type#ERROR}. */
    public Optional<Lease> lease() {
        return Optional.ofNullable(lease);
    }

    /** For {@link Type#ROTATED}: the lease that was replaced. */
    public Optional<Lease> previous() {
        return Optional.ofNullable(previous);
    }

    /** For failures: what failed (engine, role, code, request id; never a secret). */
    public Optional<String> message() {
        return Optional.ofNullable(message);
    }

    @Override
    public String toString() {
        return "ScaiVaultLeaseEvent{" + type + ", source=" + getSource() + ", lease=" + lease
                + (previous != null ? ", previous=" + previous : "") + (message != null ? ", " + message : "") + '}';
    }
}
