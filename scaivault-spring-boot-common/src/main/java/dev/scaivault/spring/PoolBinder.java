package dev.scaivault.spring;

import dev.scaivault.pool.CredentialDataSource;
import dev.scaivault.pool.PoolBinding;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.time.Instant;
import java.util.function.Consumer;
import java.util.function.Supplier;
import javax.sql.DataSource;

/**
 * The only class that binds pools through scaivault-pool's adapters (Tomcat JDBC, DBCP2, UCP, ...); loaded only
 * when scaivault-pool is on the class path. The adapter modules stay optional: which pools it binds is whichever
 * adapters the application has.
 */
final class PoolBinder {
    private PoolBinder() {}

    /** A CredentialDataSource already follows its own source: binding it again would rotate it twice. */
    static boolean rotatesItself(Object bean) {
        return bean instanceof CredentialDataSource;
    }

    /**
     * Binds {@code pool} with the {@code scaivault.datasource.*} options when called (closing what it returns
     * unbinds, and closes neither the pool nor the source); null if no adapter on the class path supports it.
     */
    static Supplier<AutoCloseable> binder(
            DataSource pool,
            String beanName,
            SecretSource<Credentials> source,
            ScaiVaultProperties.Datasource options,
            ScaiVaultMonitor monitor) {
        PoolBinding.Builder builder;
        try {
            builder = PoolBinding.builder(pool, source);
        } catch (IllegalArgumentException noAdapter) {
            return null;
        }
        builder.validateBeforeApply(options.isValidateBeforeApply()).listener(listener(beanName, monitor));
        durations(options, builder::validationTimeout, builder::maxDrainTime, builder::authFailureBudget);
        return builder::bind;
    }

    /** What every bound pool reports to the monitor (metrics, rotation events, health), Hikari's included. */
    static RotationListener listener(String beanName, ScaiVaultMonitor monitor) {
        return new RotationListener() {
            @Override
            public void onRotation(String previousOrigin, String origin, Instant at) {
                monitor.poolApplied(beanName, previousOrigin, origin, at);
            }

            @Override
            public void onHandOff(String previousOrigin, Duration drainTime, boolean timedOut) {
                monitor.poolDrained(beanName, previousOrigin, drainTime, timedOut);
            }

            @Override
            public void onAuthFailureBridged(String failure, boolean recovered) {
                monitor.authFailuresBridged.incrementAndGet();
            }
        };
    }

    /** The {@code scaivault.datasource.*} durations onto either binding's builder; unset ones keep its defaults. */
    static void durations(
            ScaiVaultProperties.Datasource options,
            Consumer<Duration> validationTimeout,
            Consumer<Duration> maxDrainTime,
            Consumer<Duration> authFailureBudget) {
        if (options.getValidationTimeout() != null) {
            validationTimeout.accept(options.getValidationTimeout());
        }
        if (options.getMaxDrainTime() != null) {
            maxDrainTime.accept(options.getMaxDrainTime());
        }
        if (options.getAuthFailureBudget() != null) {
            authFailureBudget.accept(options.getAuthFailureBudget());
        }
    }
}
