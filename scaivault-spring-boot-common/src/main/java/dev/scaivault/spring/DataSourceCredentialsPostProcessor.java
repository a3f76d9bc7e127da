package dev.scaivault.spring;

import dev.scaivault.source.Credentials;
import dev.scaivault.source.Registration;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanCreationException;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.beans.factory.config.DestructionAwareBeanPostProcessor;
import org.springframework.core.Ordered;
import org.springframework.util.ClassUtils;

/**
 * Binds every {@code HikariDataSource} bean (Boot's or the application's own) to the credential source bean
 * {@value ScaiVaultConfiguration#CREDENTIAL_SOURCE_BEAN}, before its initialization callbacks and thus
 * before the pool opens its first connection, but after Boot has bound {@code spring.datasource.hikari.*}
 * to it (that binding is a post-processor of higher precedence). Any other {@link DataSource} gets a
 * warning: rotation cannot be applied to it.
 */
final class DataSourceCredentialsPostProcessor implements DestructionAwareBeanPostProcessor, BeanFactoryAware, Ordered {
    private static final Logger log = LoggerFactory.getLogger(DataSourceCredentialsPostProcessor.class);
    private final Map<String, AutoCloseable> bound = new ConcurrentHashMap<>();
    private ConfigurableBeanFactory beanFactory;
    private boolean hikari;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableBeanFactory) beanFactory;
        // The application's class loader decides (tests filter it), not the one that loaded this class.
        ClassLoader cl = this.beanFactory.getBeanClassLoader();
        this.hikari = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource", cl)
                && ClassUtils.isPresent("dev.scaivault.hikari.HikariCredentialBinding", cl);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
        if (!(bean instanceof DataSource) || !beanFactory.containsBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN)) {
            return bean;
        }
        if (!hikari || !HikariBinder.isHikari(bean)) {
            log.warn(
                    "scaivault: DataSource bean '{}' is a {}, not a HikariDataSource: ScaiVault credentials are"
                            + " neither applied to it nor rotated (use HikariCP, Spring Boot's default pool{})",
                    beanName,
                    bean.getClass().getName(),
                    hikari ? "" : ", with com.zaxxer:HikariCP and dev.scaivault:scaivault-hikari on the class path");
            return bean;
        }
        @SuppressWarnings("unchecked")
        SecretSource<Credentials> source = (SecretSource<Credentials>)
                beanFactory.getBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
        ScaiVaultProperties props = beanFactory.getBean(ScaiVaultProperties.class);
        ScaiVaultMonitor monitor = beanFactory.getBean(ScaiVaultMonitor.class);
        // The pool must close before the source revokes the lease its connections use.
        beanFactory.registerDependentBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN, beanName);
        boolean validate = props.getDatasource().isValidateBeforeApply();
        if (source.status().hasValue()) {
            long started = System.nanoTime();
            bound.put(beanName, bindOrFail(bean, beanName, source, validate, monitor));
            monitor.bound(Duration.ofNanos(System.nanoTime() - started));
        } else if (props.getDatasource().isStartWithoutCredentials()) {
            log.warn(
                    "scaivault: no credentials from {} yet for DataSource bean '{}'"
                            + " (scaivault.datasource.start-without-credentials=true): they are applied when they"
                            + " arrive; connections fail until then",
                    source.name(),
                    beanName);
            bound.put(beanName, bindLater(bean, beanName, source, validate, monitor));
        } else {
            throw new BeanCreationException(
                    beanName,
                    "scaivault: credential source " + source.name() + " has no credentials for DataSource bean '"
                            + beanName + "' (set scaivault.datasource.start-without-credentials=true to start"
                            + " anyway)");
        }
        log.info("scaivault: DataSource bean '{}' follows credentials from {}", beanName, source.name());
        return bean;
    }

    private static AutoCloseable bindOrFail(
            Object bean, String beanName, SecretSource<Credentials> source, boolean validate, ScaiVaultMonitor m) {
        try {
            return HikariBinder.bind(bean, beanName, source, validate, m);
        } catch (RuntimeException e) {
            throw new BeanCreationException(
                    beanName, "scaivault: cannot bind DataSource bean '" + beanName + "' to " + source.name(), e);
        }
    }

    /** Binds on the source's first value; the subscription is the hand-off-free listener of that wait. */
    private static AutoCloseable bindLater(
            Object bean, String beanName, SecretSource<Credentials> source, boolean validate, ScaiVaultMonitor m) {
        AtomicReference<AutoCloseable> binding = new AtomicReference<>();
        Object lock = new Object();
        AtomicReference<Registration> sub = new AtomicReference<>();
        sub.set(source.subscribe(change -> {
            synchronized (lock) {
                if (binding.get() != null) {
                    return;
                }
                try {
                    binding.set(HikariBinder.bind(bean, beanName, source, validate, m));
                    log.info(
                            "scaivault: first credentials from {} applied to DataSource bean '{}'",
                            source.name(),
                            beanName);
                } catch (RuntimeException e) {
                    log.error(
                            "scaivault: cannot bind DataSource bean '{}' to {}: {}",
                            beanName,
                            source.name(),
                            e.toString());
                }
            }
        }));
        return () -> {
            Registration s = sub.get();
            if (s != null) {
                s.close();
            }
            synchronized (lock) {
                AutoCloseable b = binding.getAndSet(() -> {});
                if (b != null) {
                    b.close();
                }
            }
        };
    }

    @Override
    public boolean requiresDestruction(Object bean) {
        return bean instanceof DataSource;
    }

    @Override
    public void postProcessBeforeDestruction(Object bean, String beanName) {
        AutoCloseable b = bound.remove(beanName);
        if (b != null) {
            try {
                b.close();
            } catch (Exception e) {
                log.warn("scaivault: unbinding DataSource bean '{}' failed: {}", beanName, e.toString());
            }
        }
    }
}
