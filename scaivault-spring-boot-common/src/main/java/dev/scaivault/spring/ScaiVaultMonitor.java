package dev.scaivault.spring;

import dev.scaivault.Lease;
import dev.scaivault.Time;
import dev.scaivault.lease.LeaseListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.Registration;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationEventPublisher;

/**
 * What the starter saw happen: counters for metrics, the last rotation for health, and the bridge to Spring
 * application events. Events are published on one thread of their own, because the lease and pool
 * callbacks run on shared background threads that a slow application listener must not hold up.
 */
final class ScaiVaultMonitor implements DisposableBean {
    private static final Logger log = LoggerFactory.getLogger(ScaiVaultMonitor.class);

    private final ApplicationEventPublisher publisher;
    private final ExecutorService events;
    private final List<Registration> subscriptions = new CopyOnWriteArrayList<>();

    final AtomicLong leasesCreated = new AtomicLong();
    final AtomicLong leaseRenewals = new AtomicLong();
    final AtomicLong leaseRenewalFailures = new AtomicLong();
    final AtomicLong leaseRotations = new AtomicLong();
    final AtomicLong leaseRevocations = new AtomicLong();
    final AtomicLong leaseExpirations = new AtomicLong();
    final AtomicLong leaseErrors = new AtomicLong();
    final AtomicLong sourceRotations = new AtomicLong();
    final AtomicLong poolRotations = new AtomicLong();
    final AtomicLong handOffs = new AtomicLong();
    final AtomicLong handOffTimeouts = new AtomicLong();
    final AtomicLong drainNanos = new AtomicLong();
    final AtomicLong authFailuresBridged = new AtomicLong();
    private volatile Instant lastRotation;
    private volatile Duration firstCredentialsTime;
    private volatile Duration lastBindTime;

    ScaiVaultMonitor(ApplicationEventPublisher publisher) {
        this.publisher = publisher;
        ThreadPoolExecutor pool = new ThreadPoolExecutor(
                1, 1, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), Time.daemons("scaivault-spring-events"));
        pool.allowCoreThreadTimeOut(true);
        this.events = pool;
    }

    /** A lease listener for the source named {@code sourceName} that counts and publishes. */
    LeaseListener leaseEvents(String sourceName) {
        return new LeaseListener() {
            @Override
            public void created(Lease lease) {
                leasesCreated.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.CREATED, lease, null, null);
            }

            @Override
            public void renewed(Lease lease) {
                leaseRenewals.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.RENEWED, lease, null, null);
            }

            @Override
            public void renewalFailed(Lease lease, RuntimeException error, Duration retryIn) {
                leaseRenewalFailures.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.RENEWAL_FAILED, lease, null, error.getMessage());
            }

            @Override
            public void rotated(Lease previous, Lease next) {
                leaseRotations.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.ROTATED, next, previous, null);
            }

            @Override
            public void revoked(Lease lease) {
                leaseRevocations.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.REVOKED, lease, null, null);
            }

            @Override
            public void expired(Lease lease) {
                leaseExpirations.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.EXPIRED, lease, null, null);
            }

            @Override
            public void error(String message, RuntimeException error) {
                leaseErrors.incrementAndGet();
                lease(sourceName, ScaiVaultLeaseEvent.Type.ERROR, null, null, message);
            }
        };
    }

    /** Publishes a {@link ScaiVaultRotationEvent} for every change of {@code source} after its first value. */
    void follow(SecretSource<Credentials> source) {
        subscriptions.add(source.subscribe(change -> {
            if (change.previous() == null) {
                return;
            }
            sourceRotations.incrementAndGet();
            lastRotation = change.at();
            publish(new ScaiVaultRotationEvent(
                    source.name(),
                    ScaiVaultRotationEvent.Stage.SOURCE_CHANGED,
                    change.previous().origin(),
                    change.current().origin(),
                    change.at(),
                    null));
        }));
    }

    void poolApplied(String dataSource, String previousOrigin, String origin, Instant at) {
        poolRotations.incrementAndGet();
        lastRotation = at;
        publish(new ScaiVaultRotationEvent(
                dataSource, ScaiVaultRotationEvent.Stage.POOL_APPLIED, previousOrigin, origin, at, null));
    }

    void poolDrained(String dataSource, String previousOrigin, Duration drainTime, boolean timedOut) {
        handOffs.incrementAndGet();
        drainNanos.addAndGet(drainTime.toNanos());
        if (timedOut) {
            handOffTimeouts.incrementAndGet();
        }
        publish(new ScaiVaultRotationEvent(
                dataSource, ScaiVaultRotationEvent.Stage.POOL_DRAINED, previousOrigin, null, Instant.now(), drainTime));
    }

    void bound(Duration took) {
        this.lastBindTime = took;
    }

    /** How long binding the last pool to the credential source took at startup. */
    Duration lastBindTime() {
        return lastBindTime;
    }

    void firstCredentials(Duration took) {
        this.firstCredentialsTime = took;
    }

    /** How long the starter's credential source took to get its first credentials at startup, if it did. */
    Duration firstCredentialsTime() {
        return firstCredentialsTime;
    }

    Instant lastRotation() {
        return lastRotation;
    }

    private void lease(String source, ScaiVaultLeaseEvent.Type type, Lease lease, Lease previous, String message) {
        publish(new ScaiVaultLeaseEvent(source, type, lease, previous, message));
    }

    private void publish(ApplicationEvent event) {
        try {
            events.execute(() -> {
                try {
                    publisher.publishEvent(event);
                } catch (RuntimeException e) {
                    // A closing context or a failing listener: the next event must still go out.
                    log.warn(
                            "scaivault: publishing {} failed: {}",
                            event.getClass().getSimpleName(),
                            e.toString());
                }
            });
        } catch (RejectedExecutionException e) {
            log.debug("scaivault: {} dropped, the application is shutting down", event);
        }
    }

    @Override
    public void destroy() {
        subscriptions.forEach(Registration::close);
        subscriptions.clear();
        events.shutdown();
    }
}
