"""Socket.IO namespaces and the pure handlers behind them: comment → intent → answer / cards."""
