package dev.scaivault.spring;

import dev.scaivault.source.Credentials;
import dev.scaivault.source.Registration;
import dev.scaivault.source.SecretSource;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
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
 * Binds every pool bean (Boot's or the application's own) to the credential source bean {@value
 * ScaiVaultConfiguration#CREDENTIAL_SOURCE_BEAN}, before its initialization callbacks and thus before the pool
 * opens its first connection, but after Boot has bound {@code spring.datasource.<pool>.*} to it (that binding is
 * a post-processor of higher precedence): a {@code HikariDataSource} through scaivault-hikari, any other pool
 * through the scaivault-pool adapter on the class path that supports it (scaivault-tomcat-jdbc, ...). A
 * CredentialDataSource already rotates and is left alone. Any other {@link DataSource} gets a warning naming
 * what would make it rotate.
 */
final class DataSourceCredentialsPostProcessor implements DestructionAwareBeanPostProcessor, BeanFactoryAware, Ordered {
    private static final Logger log = LoggerFactory.getLogger(DataSourceCredentialsPostProcessor.class);
    private final Map<String, AutoCloseable> bound = new ConcurrentHashMap<>();
    private ConfigurableBeanFactory beanFactory;
    private boolean hikari;
    private boolean pool;

    @Override
    public void setBeanFactory(BeanFactory beanFactory) {
        this.beanFactory = (ConfigurableBeanFactory) beanFactory;
        // The application's class loader decides (tests filter it), not the one that loaded this class.
        ClassLoader cl = this.beanFactory.getBeanClassLoader();
        this.hikari = ClassUtils.isPresent("com.zaxxer.hikari.HikariDataSource", cl)
                && ClassUtils.isPresent("dev.scaivault.hikari.HikariCredentialBinding", cl);
        this.pool = ClassUtils.isPresent("dev.scaivault.pool.PoolBinding", cl);
    }

    @Override
    public int getOrder() {
        return Ordered.LOWEST_PRECEDENCE;
    }

    @Override
    public Object postProcessBeforeInitialization(Object bean, String beanName) throws BeansException {
        if (!(bean instanceof DataSource ds)
                || !beanFactory.containsBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN)) {
            return bean;
        }
        if (pool && PoolBinder.rotatesItself(bean)) {
            // Usually built on the starter's source: it must close before the source revokes its lease.
            beanFactory.registerDependentBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN, beanName);
            log.info("scaivault: DataSource bean '{}' is a CredentialDataSource and follows its own source", beanName);
            return bean;
        }
        @SuppressWarnings("unchecked")
        SecretSource<Credentials> source = (SecretSource<Credentials>)
                beanFactory.getBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN, SecretSource.class);
        ScaiVaultProperties props = beanFactory.getBean(ScaiVaultProperties.class);
        ScaiVaultMonitor monitor = beanFactory.getBean(ScaiVaultMonitor.class);
        Supplier<AutoCloseable> binder = binder(ds, beanName, source, props.getDatasource(), monitor);
        if (binder == null) {
            log.warn(
                    "scaivault: DataSource bean '{}' is a {}, which no ScaiVault pool adapter on the class path"
                            + " supports: ScaiVault credentials are neither applied to it nor rotated ({})",
                    beanName,
                    bean.getClass().getName(),
                    remedy(bean.getClass()));
            return bean;
        }
        // The pool must close before the source revokes the lease its connections use.
        beanFactory.registerDependentBean(ScaiVaultConfiguration.CREDENTIAL_SOURCE_BEAN, beanName);
        if (source.status().hasValue()) {
            long started = System.nanoTime();
            bound.put(beanName, bindOrFail(binder, beanName, source));
            monitor.bound(Duration.ofNanos(System.nanoTime() - started));
        } else if (props.getDatasource().isStartWithoutCredentials()) {
            log.warn(
                    "scaivault: no credentials from {} yet for DataSource bean '{}'"
                            + " (scaivault.datasource.start-without-credentials=true): they are applied when they"
                            + " arrive; connections fail until then",
                    source.name(),
                    beanName);
            bound.put(beanName, bindLater(binder, beanName, source));
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

    /** HikariCP through its own binding (it knows Hikari's credential mechanisms), any other pool by adapter. */
    private Supplier<AutoCloseable> binder(
            DataSource ds,
            String beanName,
            SecretSource<Credentials> source,
            ScaiVaultProperties.Datasource options,
            ScaiVaultMonitor monitor) {
        if (hikari && HikariBinder.isHikari(ds)) {
            return () -> HikariBinder.bind(ds, beanName, source, options, monitor);
        }
        return pool ? PoolBinder.binder(ds, beanName, source, options, monitor) : null;
    }

    /** What would make a DataSource of {@code type} rotate, by class name: its pool's jar may be absent. */
    private String remedy(Class<?> type) {
        for (Class<?> c = type; c != null; c = c.getSuperclass()) {
            String name = c.getName();
            if (name.startsWith("com.zaxxer.hikari.")) {
                return "add dev.scaivault:scaivault-hikari";
            }
            if (name.startsWith("org.apache.tomcat.jdbc.pool.")) {
                return "add dev.scaivault:scaivault-tomcat-jdbc";
            }
            if (name.startsWith("org.apache.commons.dbcp2.")) {
                return "add dev.scaivault:scaivault-dbcp2";
            }
            if (name.startsWith("oracle.ucp.")) {
                return "add dev.scaivault:scaivault-ucp";
            }
        }
        return "use HikariCP, Spring Boot's default pool" + (hikari ? "" : " (com.zaxxer:HikariCP)")
                + ", or a pool with a ScaiVault adapter (dev.scaivault:scaivault-tomcat-jdbc, scaivault-dbcp2,"
                + " scaivault-ucp), or wrap a driver DataSource in dev.scaivault.pool.CredentialDataSource";
    }

    private static AutoCloseable bindOrFail(
            Supplier<AutoCloseable> binder, String beanName, SecretSource<Credentials> source) {
        try {
            return binder.get();
        } catch (RuntimeException e) {
            throw new BeanCreationException(
                    beanName, "scaivault: cannot bind DataSource bean '" + beanName + "' to " + source.name(), e);
        }
    }

    /** Binds on the source's first value; the subscription is the hand-off-free listener of that wait. */
    private static AutoCloseable bindLater(
            Supplier<AutoCloseable> binder, String beanName, SecretSource<Credentials> source) {
        AtomicReference<AutoCloseable> binding = new AtomicReference<>();
        Object lock = new Object();
        AtomicReference<Registration> sub = new AtomicReference<>();
        sub.set(source.subscribe(change -> {
            synchronized (lock) {
                if (binding.get() != null) {
                    return;
                }
                try {
                    binding.set(binder.get());
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
