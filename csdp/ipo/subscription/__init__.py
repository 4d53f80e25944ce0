"""T: the exchange's subscription data comes in (seed 002 §4.1.1) — checked whole and loaded
(`exchange_subscriptions`), by upload, the API or the drop folder (`inbox`)."""
