"""What a container sees of a Kubernetes env value, command or arg: the documented
$(VAR) expansion, written from the Kubernetes docs (not from the translator)."""

from __future__ import annotations


def kube_expand(text: str, env: dict[str, str]) -> str:
    """Kubernetes' $(VAR) expansion of env values, command and args, from its documented rule:
    ``$$`` is an escaped ``$``; ``$(NAME)`` is replaced by NAME's value when NAME is defined
    and left as written otherwise; any other ``$`` is kept.  (kubernetes.io: "Define Dependent
    Environment Variables"; API reference, Container.command/args and EnvVar.value.)"""
    out, i = [], 0
    while i < len(text):
        if text[i] == "$" and i + 1 < len(text):
            nxt = text[i + 1]
            if nxt == "$":
                out.append("$")
                i += 2
                continue
            if nxt == "(":
                end = text.find(")", i + 2)
                if end != -1:
                    name = text[i + 2:end]
                    out.append(env.get(name, f"$({name})"))
                    i = end + 1
                    continue
        out.append(text[i])
        i += 1
    return "".join(out)
