package dev.scaivault.examples.rotationdemo;

import dev.scaivault.SecretUnavailableException;
import dev.scaivault.source.AbstractSecretSource;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.HandOff;
import dev.scaivault.source.Registration;
import dev.scaivault.source.SecretSource;
import dev.scaivault.source.SourceStatus;
import java.time.Clock;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;

/**
 * The credentials of one delivery path at a time, for the demo's single pool. A {@code
 * HikariCredentialBinding} can only be bound to a pool before it starts (that is when it can put itself
 * between the pool and its driver, which is what lets it bridge authentication failures and track each
 * physical connection), so switching paths cannot close one binding and bind the next: instead the one
 * binding follows this source, and switching hands the pool over from one path's source to the next exactly
 * like any other credential change (set, evict, drain, hand off). Each path's own changes and hand-offs pass
 * through unchanged, so a lease is still revoked only after the pool has let go of it.
 */
final class PathSource extends AbstractSecretSource<Credentials> {
    private volatile SecretSource<Credentials> delegate;
    private Registration subscription;

    PathSource() {
        super("demo-path", Clock.systemUTC());
    }

    /** Hears every value before the pool does. */
    interface Seen {
        /**
         * {@code c} is about to be published; {@code sourceAt} is when the path's source accepted it, null for
         * a path's first value (which this source publishes when switching).
         */
        void seen(Credentials c, Instant sourceAt);

        /** {@code c} is being published to the pool now. */
        default void publishing(Credentials c) {}
    }

    /**
     * Follows {@code next} from now on.
     *
     * @return completes when the pool has handed off the previous path's last credentials
     */
    synchronized CompletableFuture<Void> switchTo(SecretSource<Credentials> next, Seen seen) {
        if (subscription != null) {
            subscription.close();
        }
        delegate = next;
        subscription = next.subscribe(change -> {
            if (change.previous() == null || delegate != next) {
                return; // the first value is published below; a replaced source has nothing more to say
            }
            seen.seen(change.current(), change.at());
            HandOff handOff = change.deferHandOff();
            seen.publishing(change.current());
            publish(change.current()).whenComplete((v, e) -> handOff.complete());
        });
        Credentials first = next.current();
        seen.seen(first, null);
        seen.publishing(first);
        return publish(first);
    }

    @Override
    public CompletableFuture<Credentials> refreshNow() {
        // The binding asks after an authentication failure: the path in force may have something newer.
        SecretSource<Credentials> d = delegate;
        return d != null
                ? d.refreshNow()
                : CompletableFuture.failedFuture(
                        new SecretUnavailableException("source " + name() + ": no delivery path yet"));
    }

    @Override
    public SourceStatus status() {
        SecretSource<Credentials> d = delegate;
        return d != null ? d.status() : super.status();
    }

    @Override
    public synchronized void close() {
        if (subscription != null) {
            subscription.close();
        }
        super.close();
    }
}
