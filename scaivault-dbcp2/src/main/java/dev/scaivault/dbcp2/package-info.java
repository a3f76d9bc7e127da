/**
 * Live credential rotation for a Commons DBCP2 {@code BasicDataSource}: add this module and bind the pool with
 * {@link dev.scaivault.pool.PoolBinding#bind PoolBinding.bind(basicDataSource, source)}. The binding finds the
 * adapter here through {@link Dbcp2AdapterProvider}; nothing else in this package is public.
 */
package dev.scaivault.dbcp2;
