package dev.scaivault.spring;

import com.zaxxer.hikari.HikariDataSource;
import dev.scaivault.hikari.HikariCredentialBinding;
import dev.scaivault.source.Credentials;
import dev.scaivault.source.SecretSource;

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
            ScaiVaultProperties.Datasource options,
            ScaiVaultMonitor monitor) {
        HikariCredentialBinding.Builder builder = HikariCredentialBinding.builder((HikariDataSource) dataSource, source)
                .validateBeforeApply(options.isValidateBeforeApply())
                .listener(PoolBinder.listener(beanName, monitor));
        PoolBinder.durations(options, builder::validationTimeout, builder::maxDrainTime, builder::authFailureBudget);
        return builder.bind();
    }
}
