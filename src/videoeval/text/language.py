"""pycocoevalcap's language metrics (BLEU-1..4, METEOR, ROUGE-L, CIDEr-D) and its PTB
tokenizer, created once per scoring run: METEOR and the tokenizer start Java processes, and
starting one per video is where the reference scripts spend their time."""

from __future__ import annotations

from videoeval.errors import VideoevalError, install_command

LANGUAGE = ("Bleu_1", "Bleu_2", "Bleu_3", "Bleu_4", "METEOR", "ROUGE_L", "CIDEr")


class _EndedProcess:
    """Stands in for a METEOR process already ended, so ending it again does nothing."""

    class _Pipe:
        def close(self) -> None:
            pass

    stdin = _Pipe()

    def kill(self) -> None:
        pass

    def wait(self) -> None:
        pass


_LINE_BREAKS = dict.fromkeys(map(ord, "\r\v\f\x1c\x1d\x1e\x85\u2028\u2029"), " ")


class LanguageScorers:
    """pycocoevalcap's scorers, created once: one METEOR process for the whole run."""

    def __init__(self) -> None:
        try:
            from pycocoevalcap.bleu.bleu import Bleu
            from pycocoevalcap.cider.cider import Cider
            from pycocoevalcap.meteor.meteor import Meteor
            from pycocoevalcap.rouge.rouge import Rouge
            from pycocoevalcap.tokenizer.ptbtokenizer import PTBTokenizer
        except ImportError:
            raise VideoevalError(
                f"language metrics need pycocoevalcap and Java: {install_command('dense')} "
                "(or pass --no-language for P/R only)"
            ) from None
        self.tokenizer = PTBTokenizer()
        self.scorers = [(Bleu(4), LANGUAGE[:4]), (Meteor(), ("METEOR",)), (Rouge(), ("ROUGE_L",)),
                        (Cider(), ("CIDEr",))]  # fmt: skip

    def tokenize(self, sentences: list[str]) -> list[str]:
        # The tokenizer only turns "\n" into a space; other line breaks split a sentence in the
        # Java process and shift every later sentence's tokens (the reference scores then depend
        # on the hash seed). As spaces they score as the sentence was meant.
        clean = [s.translate(_LINE_BREAKS) for s in sentences]
        tokens = self.tokenizer.tokenize({i: [{"caption": s}] for i, s in enumerate(clean)})
        return [tokens[i][0] for i in range(len(sentences))]

    def close(self) -> None:
        """End the METEOR process and close its pipes (its own ``__del__`` leaves two open)."""
        meteor = self.scorers[1][0]
        process = getattr(meteor, "meteor_p", None)
        if process is not None:
            for pipe in (process.stdin, process.stdout, process.stderr):
                if pipe is not None:
                    pipe.close()
            process.kill()
            process.wait()
            meteor.meteor_p = _EndedProcess()  # what its __del__ will find

    def video_scores(self, pairs: list[tuple[str, str]]) -> dict[str, float]:
        res = {i: [p] for i, (p, _) in enumerate(pairs)}
        gts = {i: [g] for i, (_, g) in enumerate(pairs)}
        out: dict[str, float] = {}
        for scorer, names in self.scorers:
            if names == LANGUAGE[:4]:  # Bleu prints its counts unless told not to
                score, _ = scorer.compute_score(gts, res, verbose=0)
            else:
                score, _ = scorer.compute_score(gts, res)
            values = score if isinstance(score, list) else [score]
            out.update({n: float(v) for n, v in zip(names, values, strict=True)})
        return out
