"""What every app shares and no domain owns: plain SQL for the hot path, money arithmetic, Graph errors, plug-ins."""
