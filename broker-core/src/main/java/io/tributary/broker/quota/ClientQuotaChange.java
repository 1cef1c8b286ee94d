package io.tributary.broker.quota;

/**
 * One quota of one entity set ({@code value} non-null) or removed ({@code value} null), as
 * AlterClientQuotas asks. Immutable.
 */
public record ClientQuotaChange(QuotaEntity entity, QuotaType type, Double value) {
    public boolean removes() {
        return value == null;
    }
}
