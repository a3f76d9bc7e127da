package dev.scaivault.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.pool.RotationListener;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.time.Instant;

/** The only class that touches HikariCP and scaivault-hikari; loaded only when both are on the class path. */
final class HikariBinder {
    private HikariBinder() {}

    static boolean isHikari(Object bean) {
        return bean instanceof HikariDataSource;
    }

    /** Binds the pool; closing the result unbinds it (and closes neither the pool nor the source). */
    static AutoCloseable bind(
            Object dataSource,
            String beanName,
            SecretSource<Credentials> source,
            boolean validateBeforeApply,
            ScaiVaultMonitor monitor) {
        HikariCredentialBinding binding = HikariCredentialBinding.builder((HikariDataSource) dataSource, source)
                .validateBeforeApply(validateBeforeApply)
                .listener(new RotationListener() {
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
                })
                .bind();
        return binding;
    }
}
