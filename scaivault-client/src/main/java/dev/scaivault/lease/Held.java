package dev.scaivault.lease;

import dev.scaivault.Lease;
import dev.scaivault.source.Credentials;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ScheduledFuture;

/** One lease a keeper holds, in force or retiring. Mutable fields are guarded by the keeper's lock. */
final class Held {
    final String id;
    /** The life granted at generate: the scale of every wait for this lease. */
    final Duration original;

    final Credentials credentials;
    volatile Lease lease;
    boolean renewable;
    Duration grace;
    volatile boolean gone;
    volatile boolean revoked;
    CompletableFuture<Void> handOff;
    volatile boolean handedOff;
    /** The revocation at the latest instant its consumers may hold it; cancelled by an earlier hand-off. */
    ScheduledFuture<?> revokeAtLatest;
    /** Whether the revocation (with its retries) has begun; it begins once. */
    boolean revocationStarted;
    /** The revocation attempt in flight, if any: {@code close()} waits for it instead of sending another. */
    CompletableFuture<Void> revoking;

    Held(String id, Duration original, Credentials credentials, Lease lease) {
        this.id = id;
        this.original = original;
        this.credentials = credentials;
        this.lease = lease;
    }
}
