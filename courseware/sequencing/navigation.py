"""The Overall Sequencing Process (SCORM 2004 4th Edition SN OP.1) and the SCORM 1.2 navigator.

One `Session` runs one navigation request over a private copy of the tracking states:
Navigation Request Process (NB.2.1) -> Termination Request Process (TB.2.3) -> Sequencing
Request Process (SB.2.12) -> Delivery Request Process (DB.1.1) -> Content Delivery Environment
Process (DB.2). The copy replaces the caller's states only when the request succeeds, so a
refused request changes nothing (the specification leaves that case to the LMS).
"""

from __future__ import annotations

import random

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext

from .rollup import available_children as rollup_children
from .rollup import overall_rollup
from .rules import check_activity, pre_action, state
from .state import ROOT_ID, ActivityState, NavResult
from .tree import SCORM12, Tree

FORWARD, BACKWARD = 1, -1
REQUESTS = {
    "start",
    "resumeAll",
    "continue",
    "previous",
    "choice",
    "jump",
    "exit",
    "exitAll",
    "abandon",
    "abandonAll",
    "suspendAll",
}


def gettext_noop(text: str) -> str:
    """Marks a message for translation (makemessages reads the name) without Django set up."""
    return text


MESSAGES = {
    "NB.2.1-1": gettext_noop("The sequencing session has already begun."),
    "NB.2.1-2": gettext_noop("The sequencing session has not begun."),
    "NB.2.1-3": gettext_noop("There is no suspended activity to resume."),
    "NB.2.1-4": gettext_noop("Flow navigation is not allowed here."),
    "NB.2.1-5": gettext_noop("Going back is not allowed here."),
    "NB.2.1-8": gettext_noop("The current activity may not be left by choice."),
    "NB.2.1-10": gettext_noop("Choosing this activity is not allowed."),
    "NB.2.1-11": gettext_noop("The activity does not exist."),
    "NB.2.1-12": gettext_noop("The current activity has already ended."),
    "NB.2.1-13": gettext_noop("Unknown navigation request."),
    "TB.2.3-3": gettext_noop("Nothing is active to suspend."),
    "TB.2.3-4": gettext_noop("The root cannot exit to its parent."),
    "SB.2.1-2": gettext_noop("The end of the course was reached."),
    "SB.2.1-3": gettext_noop("The beginning of the course was reached."),
    "SB.2.1-4": gettext_noop("Going back is not allowed here (forward only)."),
    "SB.2.2-1": gettext_noop("Flow navigation is not allowed in this cluster."),
    "SB.2.2-2": gettext_noop("The activity is disabled or its attempts are used up."),
    "SB.2.4-1": gettext_noop("A rule stops going forward before this activity."),
    "SB.2.4-2": gettext_noop("Going back is not allowed here (forward only)."),
    "SB.2.4-3": gettext_noop("This activity is outside the allowed range."),
    "SB.2.5-1": gettext_noop("The sequencing session has already begun."),
    "SB.2.6-1": gettext_noop("The sequencing session has already begun."),
    "SB.2.6-2": gettext_noop("There is no suspended activity to resume."),
    "SB.2.7-1": gettext_noop("The sequencing session has not begun."),
    "SB.2.7-2": gettext_noop("Flow navigation is not allowed here."),
    "SB.2.8-1": gettext_noop("The sequencing session has not begun."),
    "SB.2.8-2": gettext_noop("Flow navigation is not allowed here."),
    "SB.2.9-1": gettext_noop("The activity does not exist."),
    "SB.2.9-2": gettext_noop("The activity is not available in this attempt."),
    "SB.2.9-3": gettext_noop("The activity is hidden from choice."),
    "SB.2.9-4": gettext_noop("Choosing this activity is not allowed."),
    "SB.2.9-5": gettext_noop("Going back is not allowed here (forward only)."),
    "SB.2.9-6": gettext_noop("This activity may not be started by choice."),
    "SB.2.9-7": gettext_noop("The current activity may not be left by choice."),
    "SB.2.9-8": gettext_noop("Nothing in this activity can be delivered."),
    "SB.2.10-1": gettext_noop("The sequencing session has not begun."),
    "SB.2.10-2": gettext_noop("The current activity has not ended."),
    "SB.2.10-3": gettext_noop("Nothing in this activity can be delivered."),
    "SB.2.11-1": gettext_noop("The sequencing session has not begun."),
    "SB.2.11-2": gettext_noop("The current activity has not ended."),
    "SB.2.12-1": gettext_noop("Unknown sequencing request."),
    "DB.1.1-1": gettext_noop("Only a launchable item can be delivered."),
    "DB.1.1-3": gettext_noop("The activity is disabled or its attempts are used up."),
    "DB.1.1-4": gettext_noop("The prerequisites of this item are not met."),
}


class SequencingError(Exception):
    """A sequencing exception: the request is refused with this code."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code
        self.message = _translated(MESSAGES.get(code, code))


def _translated(text: str) -> str:
    """The message in the active language (English where Django is not set up, e.g. bench/)."""
    try:
        return gettext(text)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return text


class _EndOfCourse(Exception):
    """Flow Tree Traversal went past the last activity (SB.2.1-1)."""


class Session:
    """One navigation request over one set of tracking states (mutated in place)."""

    def __init__(self, tree: Tree, states: dict[int, ActivityState], current_id, global_objectives):
        self.tree = tree
        self.states = states
        self.g = global_objectives
        self.current: int | None = current_id if current_id in tree.nodes else None
        self.ended = False
        self._index: dict[int, dict[int, int]] = {}
        # Set by the table of contents, which only reads: rule results per activity.
        self.memo: dict[tuple[str, int], object] | None = None
        self._stoppers: dict[int, list[tuple[int, int]]] = {}

    # Helpers ---------------------------------------------------------------------------

    def s(self, activity_id: int) -> ActivityState:
        return state(self.states, activity_id)

    def settings(self, activity_id: int):
        return self.tree.settings[activity_id]

    def parent(self, activity_id: int) -> int | None:
        return self.tree.parent[activity_id]

    def leaf(self, activity_id: int) -> bool:
        return self.tree.is_leaf(activity_id)

    def active(self, activity_id: int | None) -> bool:
        return activity_id is not None and self.s(activity_id).is_active

    def check(self, node: int) -> bool:
        """Check Activity Process (UP.5), remembered while the table of contents is built."""
        if self.memo is None:
            return check_activity(self.tree, self.states, node, self.g)
        key = ("check", node)
        if key not in self.memo:
            self.memo[key] = check_activity(self.tree, self.states, node, self.g)
        return bool(self.memo[key])

    def hidden(self, node: int) -> bool:
        """A hiddenFromChoice precondition rule fires on the activity."""
        if self.memo is None:
            return bool(pre_action(self.tree, self.states, node, {"hiddenFromChoice"}, self.g))
        key = ("hidden", node)
        if key not in self.memo:
            self.memo[key] = pre_action(self.tree, self.states, node, {"hiddenFromChoice"}, self.g)
        return bool(self.memo[key])

    def suspended_activity(self) -> int | None:
        """The suspended activity: the deepest activity marked suspended."""
        found = None
        for node in self.tree.preorder:
            if self.states.get(node) is not None and self.states[node].is_suspended:
                found = node
        return found

    def children(self, activity_id: int) -> list[int]:
        """Available children, after the Select Children (SR.1) and Randomize Children (SR.2)
        Processes have run for the activity's first attempt."""
        s = self.s(activity_id)
        settings = self.settings(activity_id)
        if s.available_children is None and (
            settings.selection_timing != "never" or settings.randomization_timing != "never"
        ):
            self.select_and_randomize(activity_id)
        return rollup_children(self.tree, self.states, activity_id)

    def select_and_randomize(self, activity_id: int) -> None:
        """Select Children Process (SR.1) and Randomize Children Process (SR.2), with a random
        generator seeded by the tree's seed, the activity and its attempt number."""
        settings = self.settings(activity_id)
        s = self.s(activity_id)
        # Not for security: a reproducible order per learner attempt.
        rng = random.Random(f"{self.tree.seed}:{activity_id}:{s.attempt_count}")  # noqa: S311
        children = list(self.tree.children[activity_id])
        if settings.selection_timing != "never" and 0 < settings.select_count < len(children):
            picked = set(rng.sample(children, settings.select_count))
            children = [child for child in children if child in picked]
        if settings.reorder_children and settings.randomization_timing != "never":
            rng.shuffle(children)
        s.available_children = children
        self._index.pop(activity_id, None)
        self._stoppers.pop(activity_id, None)

    def index(self, parent: int, child: int) -> int:
        table = self._index.get(parent)
        if table is None:
            table = {node: i for i, node in enumerate(self.children(parent))}
            self._index[parent] = table
        return table.get(child, -1)

    # Traversal ---------------------------------------------------------------------------

    def tree_traversal(self, activity_id: int, direction: int, consider_children: bool):
        """Flow Tree Traversal Subprocess (SB.2.1): the next activity in `direction`, and the
        direction to go on in (entering a forward-only cluster backwards reverses it)."""
        if consider_children and not self.leaf(activity_id):
            children = self.children(activity_id)
            if children:
                if direction == FORWARD or self.settings(activity_id).forward_only:
                    return children[0], FORWARD
                return children[-1], BACKWARD
        node = activity_id
        while node != ROOT_ID:
            parent = self.parent(node)
            siblings = self.children(parent)
            at = self.index(parent, node)
            if direction == FORWARD:
                if 0 <= at < len(siblings) - 1:
                    return siblings[at + 1], FORWARD
            else:
                if self.settings(parent).forward_only:
                    raise SequencingError("SB.2.1-4")
                if at > 0:
                    return siblings[at - 1], BACKWARD
            node = parent
        if direction == FORWARD:
            raise _EndOfCourse
        raise SequencingError("SB.2.1-3")

    def activity_traversal(self, activity_id: int, direction: int) -> int:
        """Flow Activity Traversal Subprocess (SB.2.2): from a candidate, skip what `skip`
        precondition rules skip, refuse what is disabled, descend into clusters, to a leaf."""
        node = activity_id
        seen = 0
        while True:
            seen += 1
            if seen > 4 * len(self.tree.preorder) + 8:
                raise SequencingError("SB.2.2-2")  # cannot happen on a tree; a guard all the same
            parent = self.parent(node)
            if parent is not None and not self.settings(parent).flow:
                raise SequencingError("SB.2.2-1")
            if pre_action(self.tree, self.states, node, {"skip"}, self.g):
                node, direction = self.tree_traversal(node, direction, consider_children=False)
                continue
            if self.check(node):
                raise SequencingError("SB.2.2-2")
            if not self.leaf(node):
                if not self.children(node):
                    raise SequencingError("SB.2.2-2")
                node, direction = self.tree_traversal(node, direction, consider_children=True)
                continue
            return node

    def flow(self, activity_id: int, direction: int, consider_children: bool) -> int:
        """Flow Subprocess (SB.2.3)."""
        candidate, direction = self.tree_traversal(activity_id, direction, consider_children)
        return self.activity_traversal(candidate, direction)

    # Ending attempts ------------------------------------------------------------------------

    def end_attempt(self, activity_id: int) -> None:
        """End Attempt Process (SN UP.4): default completion/satisfaction for a tracked leaf
        whose content did not set them, suspension of a cluster, then the Overall Rollup."""
        s = self.s(activity_id)
        settings = self.settings(activity_id)
        if self.leaf(activity_id):
            if settings.tracked and not s.is_suspended:
                if not settings.completion_set_by_content and not s.attempt_progress_status:
                    s.attempt_progress_status = True
                    s.attempt_completion_status = True
                if not settings.objective_set_by_content and not s.objective_progress_status:
                    s.objective_progress_status = True
                    s.objective_satisfied_status = True
        else:
            s.is_suspended = any(
                self.s(child).is_suspended for child in self.tree.children[activity_id]
            )
        s.is_active = False
        overall_rollup(self.tree, self.states, activity_id, self.g)
        if settings.randomization_timing == "onEachNewAttempt" or (
            settings.selection_timing == "onEachNewAttempt"
        ):
            s.available_children = None  # drawn again for the next attempt

    def terminate_descendents(self, activity_id: int) -> None:
        """Terminate Descendent Attempts Process (SN UP.3): end the attempts below `activity_id`
        on the path from the current activity."""
        if self.current is None:
            return
        for node in self.tree.path_to_root(self.current):
            if node == activity_id:
                break
            if self.s(node).is_active:
                self.end_attempt(node)

    def exit_action_rules(self) -> None:
        """Sequencing Exit Action Rules Subprocess (TB.2.1): the highest ancestor of the current
        activity whose exit rule fires ends, and everything below it."""
        for node in reversed(self.tree.path_to_root(self.current)[1:]):
            if self.tree.settings[node].exit_rules and self._rule(node, "exit_rules", {"exit"}):
                self.terminate_descendents(node)
                self.end_attempt(node)
                self.current = node
                return

    def _rule(self, node: int, kind: str, actions: set[str]) -> str | None:
        from .rules import rules_check

        return rules_check(
            self.tree, self.states, node, getattr(self.settings(node), kind), actions, self.g
        )

    def post_condition_rules(self) -> tuple[str | None, str | None]:
        """Sequencing Post Condition Rules Subprocess (TB.2.2): (termination, sequencing)."""
        if self.s(self.current).is_suspended:
            return None, None
        action = self._rule(
            self.current,
            "post_rules",
            {"exitParent", "exitAll", "retry", "retryAll", "continue", "previous"},
        )
        if action in ("retry", "continue", "previous"):
            return None, action
        if action in ("exitParent", "exitAll"):
            return action, None
        if action == "retryAll":
            return "exitAll", "retry"
        return None, None

    def exit_all(self) -> None:
        if self.active(self.current):
            self.end_attempt(self.current)
        self.terminate_descendents(ROOT_ID)
        self.end_attempt(ROOT_ID)
        self.current = ROOT_ID

    def terminate(self, request: str, sequencing: str) -> str:
        """Termination Request Process (TB.2.3); returns the sequencing request to process."""
        if request == "exit":
            self.end_attempt(self.current)
            self.exit_action_rules()
            while True:
                termination, post = self.post_condition_rules()
                if termination == "exitAll":
                    self.exit_all()
                    return post or "exit"
                if termination == "exitParent":
                    if self.current == ROOT_ID:
                        raise SequencingError("TB.2.3-4")
                    self.current = self.parent(self.current)
                    self.end_attempt(self.current)
                    continue
                if self.current == ROOT_ID and post != "retry":
                    return "exit"
                return post or sequencing
        if request == "exitAll":
            self.exit_all()
            return "exit"
        if request == "suspendAll":
            current = self.current
            if self.active(current) or self.s(current).is_suspended:
                overall_rollup(self.tree, self.states, current, self.g)
            elif current == ROOT_ID:
                raise SequencingError("TB.2.3-3")
            else:
                # The current attempt already ended: suspend from its parent (TB.2.3 3.4).
                current = self.parent(current)
            for node in self.tree.path_to_root(current):
                self.s(node).is_active = False
                self.s(node).is_suspended = True
            self.current = ROOT_ID
            return "exit"
        if request == "abandon":
            self.s(self.current).is_active = False
            return sequencing
        if request == "abandonAll":
            for node in self.tree.path_to_root(self.current):
                self.s(node).is_active = False
            self.current = ROOT_ID
            return "exit"
        return sequencing

    # Requests -------------------------------------------------------------------------------

    def run(self, request: str, target: int | None) -> int | None:
        """Overall Sequencing Process (OP.1); the activity to deliver, or None."""
        if self.tree.standard == SCORM12:
            return self.run12(request, target)
        termination, sequencing = self.navigation_request(request, target)
        if termination:
            sequencing = self.terminate(termination, sequencing)
        deliver = self.sequencing_request(sequencing, target)
        if deliver is not None:
            self.delivery_request(deliver)
            self.deliver(deliver)
        return deliver

    def navigation_request(self, request: str, target: int | None) -> tuple[str | None, str]:
        """Navigation Request Process (NB.2.1): (termination request, sequencing request)."""
        current = self.current
        if request not in REQUESTS:
            raise SequencingError("NB.2.1-13")
        if request in ("start", "resumeAll"):
            if current is not None:
                raise SequencingError("NB.2.1-1")
            if request == "resumeAll" and self.suspended_activity() is None:
                raise SequencingError("NB.2.1-3")
            return None, request
        if request in ("choice", "jump"):
            if target not in self.tree.nodes:
                raise SequencingError("NB.2.1-11")
            if request == "choice":
                if target != ROOT_ID and not self.settings(self.parent(target)).choice:
                    raise SequencingError("NB.2.1-10")
                if current is not None and not self.tree.is_ancestor(target, current):
                    common = self.tree.common_ancestor(current, target)
                    for node in self.tree.path_to_root(current):
                        if node == common:
                            break
                        if self.active(node) and not self.settings(node).choice_exit:
                            raise SequencingError("NB.2.1-8")
            return ("exit" if self.active(current) else None), request
        if current is None:
            raise SequencingError("NB.2.1-2")
        if request == "continue":
            if current == ROOT_ID or not self.settings(self.parent(current)).flow:
                raise SequencingError("NB.2.1-4")
            return ("exit" if self.active(current) else None), "continue"
        if request == "previous":
            if current == ROOT_ID:
                raise SequencingError("NB.2.1-5")
            parent = self.settings(self.parent(current))
            if not parent.flow or parent.forward_only:
                raise SequencingError("NB.2.1-5")
            return ("exit" if self.active(current) else None), "previous"
        if request in ("exit", "abandon"):
            if not self.active(current):
                raise SequencingError("NB.2.1-12")
            return request, "exit"
        return request, "exit"  # exitAll, abandonAll, suspendAll

    def sequencing_request(self, request: str, target: int | None) -> int | None:
        """Sequencing Request Process (SB.2.12)."""
        current = self.current
        if request == "start":
            return self.start()
        if request == "resumeAll":
            found = self.suspended_activity()
            if current is not None:
                raise SequencingError("SB.2.6-1")
            if found is None:
                raise SequencingError("SB.2.6-2")
            if not self.leaf(found):
                # Suspended after its activity had ended: resume the cluster's attempt and
                # flow into it from its start.
                try:
                    return self.flow(found, FORWARD, consider_children=True)
                except (SequencingError, _EndOfCourse):
                    raise SequencingError("SB.2.6-2") from None
            return found
        if request == "exit":
            if current is None:
                raise SequencingError("SB.2.11-1")
            if self.active(current):
                raise SequencingError("SB.2.11-2")
            if current == ROOT_ID:
                self.end_session()
            return None
        if request == "retry":
            if current is None:
                raise SequencingError("SB.2.10-1")
            if self.active(current) or self.s(current).is_suspended:
                raise SequencingError("SB.2.10-2")
            if self.leaf(current):
                return current
            try:
                return self.flow(current, FORWARD, consider_children=True)
            except (SequencingError, _EndOfCourse):
                raise SequencingError("SB.2.10-3") from None
        if request == "continue":
            if current is None:
                raise SequencingError("SB.2.7-1")
            if current != ROOT_ID and not self.settings(self.parent(current)).flow:
                raise SequencingError("SB.2.7-2")
            try:
                return self.flow(current, FORWARD, consider_children=False)
            except _EndOfCourse:
                # Past the last activity the sequencing session ends (4th edition SB.2.7).
                self.exit_all()
                self.end_session()
                return None
        if request == "previous":
            if current is None:
                raise SequencingError("SB.2.8-1")
            if current != ROOT_ID and not self.settings(self.parent(current)).flow:
                raise SequencingError("SB.2.8-2")
            return self.flow(current, BACKWARD, consider_children=False)
        if request == "choice":
            return self.choice(target)
        if request == "jump":
            return target
        raise SequencingError("SB.2.12-1")

    def end_session(self) -> None:
        self.current = None
        self.ended = True

    def start(self) -> int:
        """Start Sequencing Request Process (SB.2.5).

        Deliberate addition: when the root does not allow flow (SCORM's default when an
        organization declares no sequencing), the first activity a learner could choose is
        delivered instead of refusing the start, as a learner picking the first line of the
        table of contents would get.
        """
        if self.current is not None:
            raise SequencingError("SB.2.5-1")
        if self.leaf(ROOT_ID):
            raise SequencingError("SB.2.2-2")
        try:
            return self.flow(ROOT_ID, FORWARD, consider_children=True)
        except _EndOfCourse:
            raise SequencingError("SB.2.1-2") from None
        except SequencingError as exc:
            if self.settings(ROOT_ID).flow:
                raise
            for node in self.tree.preorder:
                if node != ROOT_ID and self.tree.nodes[node].is_launchable and self.leaf(node):
                    try:
                        deliver = self.choice(node)
                        self.delivery_request(deliver)
                        return deliver
                    except (SequencingError, _EndOfCourse):
                        continue
            raise exc

    def choice_walk(self, node: int, direction: int) -> None:
        """Choice Activity Traversal Subprocess (SB.2.4)."""
        if direction == FORWARD:
            if pre_action(self.tree, self.states, node, {"stopForwardTraversal"}, self.g):
                raise SequencingError("SB.2.4-1")
        else:
            parent = self.parent(node)
            if parent is not None and self.settings(parent).forward_only:
                raise SequencingError("SB.2.4-2")

    def _walk_siblings(self, parent: int, start: int, end: int) -> None:
        """Forward choice across siblings from `start` up to (not including) `end`; only the
        siblings with a stopForwardTraversal rule can refuse, so only they are looked at."""
        first, last = self.index(parent, start), self.index(parent, end)
        stoppers = self._stoppers.get(parent)
        if stoppers is None:
            stoppers = self._stoppers[parent] = [
                (i, node)
                for i, node in enumerate(self.children(parent))
                if any(r.action == "stopForwardTraversal" for r in self.settings(node).pre_rules)
            ]
        for i, node in stoppers:
            if first <= i < last:
                self.choice_walk(node, FORWARD)

    def choice(self, target: int | None, probe: bool = False) -> int:
        """Choice Sequencing Request Process (SB.2.9). With `probe` (the table of contents asks
        whether a line may be chosen) a cluster is not flowed into, only its flow checked."""
        tree = self.tree
        if target not in tree.nodes:
            raise SequencingError("SB.2.9-1")
        path = list(reversed(tree.path_to_root(target)))  # root ... target
        for node in path[1:]:
            if self.index(self.parent(node), node) < 0:
                raise SequencingError("SB.2.9-2")
        for node in path:
            if self.hidden(node):
                raise SequencingError("SB.2.9-3")
        if target != ROOT_ID and not self.settings(self.parent(target)).choice:
            raise SequencingError("SB.2.9-4")
        current = self.current
        common = ROOT_ID if current is None else tree.common_ancestor(current, target)
        below = path[path.index(common) + 1 :]  # common (exclusive) ... target
        if current is not None and target != current:
            if current != common:
                for node in tree.path_to_root(current):
                    if node == common:
                        break
                    if self.active(node) and not self.settings(node).choice_exit:
                        raise SequencingError("SB.2.9-7")
            if current != common and target != common:
                # Different branches: compare the children of the common ancestor that hold them.
                from_child = tree.path_to_root(current)[-(tree.depth[common] + 2)]
                to_child = below[0]
                if tree.position[target] > tree.position[current]:
                    self._walk_siblings(common, from_child, to_child)
                else:
                    try:
                        self.choice_walk(to_child, BACKWARD)
                    except SequencingError:
                        raise SequencingError("SB.2.9-5") from None
            for node in below[:-1] if target != common else []:
                self.choice_walk(node, FORWARD)
            for node in below:
                if (
                    not self.active(node)
                    and self.settings(node).prevent_activation
                    and node != target
                ):
                    raise SequencingError("SB.2.9-6")
            self.constrained(target)
        if self.leaf(target):
            return target
        if probe:
            if not self.settings(target).flow or not self.children(target):
                raise SequencingError("SB.2.9-8")
            return target
        try:
            return self.flow(target, FORWARD, consider_children=True)
        except (SequencingError, _EndOfCourse):
            raise SequencingError("SB.2.9-8") from None

    def constrained(self, target: int) -> None:
        """Constrained choice (SN 4th ed., SB.2.9 step 8 with constrainChoice): below a cluster
        that constrains choice, only the activities a flow request could reach next or
        previous from the current activity (and what lies inside them) may be chosen."""
        current = self.current
        if current is None:
            return
        for node in self.tree.path_to_root(current)[1:]:
            if not self.settings(node).constrain_choice:
                continue
            if not self.tree.is_ancestor(node, target):
                continue
            allowed = {current}
            for direction in (FORWARD, BACKWARD):
                try:
                    step, _ = self.tree_traversal(current, direction, consider_children=False)
                except (SequencingError, _EndOfCourse):
                    continue
                allowed.add(step)
            if not any(
                self.tree.is_ancestor(a, target) or self.tree.is_ancestor(target, a)
                for a in allowed
            ):
                raise SequencingError("SB.2.4-3")

    # Delivery -------------------------------------------------------------------------------

    def delivery_request(self, target: int) -> None:
        """Delivery Request Process (DB.1.1): a leaf, nothing on its path disabled or over limit."""
        if not self.leaf(target) or not self.tree.nodes[target].is_launchable:
            raise SequencingError("DB.1.1-1")
        for node in reversed(self.tree.path_to_root(target)):
            if self.check(node):
                raise SequencingError("DB.1.1-3")

    def deliver(self, target: int) -> None:
        """Content Delivery Environment Process (DB.2): new attempts (or resumed ones) along the
        path to the target; then Clear Suspended Activity Subprocess (DB.2.1)."""
        if self.current is not None and self.current != target:
            # Leaving clusters: end the attempts between the current activity and the common
            # ancestor (Terminate Descendent Attempts Process, as in SB.2.9 and DB.2).
            self.terminate_descendents(self.tree.common_ancestor(self.current, target))
        for node in reversed(self.tree.path_to_root(target)):
            s = self.s(node)
            if s.is_active:
                continue
            if s.is_suspended:
                s.is_suspended = False
            else:
                self.new_attempt(node)
            s.is_active = True
        # Whatever else stayed suspended is no longer resumable.
        for node in self.tree.preorder:
            found = self.states.get(node)
            if found is not None and found.is_suspended and not found.is_active:
                found.is_suspended = False
        self.current = target

    def new_attempt(self, activity_id: int) -> None:
        s = self.s(activity_id)
        s.attempt_count += 1
        if activity_id == ROOT_ID:
            # Deliberate: a new sequencing session on the organization keeps what the learner
            # achieved; a real retake is a new platform attempt with fresh states.
            return
        reset(s)
        if not self.leaf(activity_id) and s.attempt_count > 1:
            # useCurrentAttempt*Info: the children's results of an earlier attempt of this
            # cluster no longer count (their global objectives do, through read maps).
            stack = list(self.tree.children[activity_id])
            while stack:
                node = stack.pop()
                if node in self.states:
                    reset(self.states[node])
                stack.extend(self.tree.children[node])

    # SCORM 1.2 ------------------------------------------------------------------------------

    def status12(self, identifier: str) -> str:
        node = self.tree.by_identifier.get(identifier)
        if node is None:
            return "completed"  # an unknown item never blocks (reported when the tree is built)
        return self.s(node).lesson_status or "not attempted"

    def enabled12(self, node: int) -> bool:
        check = self.tree.prerequisites.get(node)
        return check is None or check(self.status12)

    def launchable12(self) -> list[int]:
        return [n for n in self.tree.preorder if n != ROOT_ID and self.tree.nodes[n].is_launchable]

    def run12(self, request: str, target: int | None) -> int | None:
        """SCORM 1.2 (no sequencing): every launchable item in table-of-contents order, choice
        always allowed, items whose prerequisites are unmet disabled and skipped by flow."""
        current = self.current
        if request not in REQUESTS:
            raise SequencingError("NB.2.1-13")
        items = self.launchable12()
        deliver = None
        if request == "start":
            if current is not None:
                raise SequencingError("NB.2.1-1")
            deliver = next((n for n in items if self.enabled12(n)), None)
            if deliver is None:
                raise SequencingError("DB.1.1-4")
        elif request == "resumeAll":
            if current is not None:
                raise SequencingError("NB.2.1-1")
            deliver = self.suspended_activity()
            if deliver is None:
                raise SequencingError("NB.2.1-3")
        elif request in ("choice", "jump"):
            if target not in self.tree.nodes:
                raise SequencingError("NB.2.1-11")
            if not self.tree.nodes[target].is_launchable:
                raise SequencingError("DB.1.1-1")
            if not self.enabled12(target):
                raise SequencingError("DB.1.1-4")
            deliver = target
        elif current is None:
            raise SequencingError("NB.2.1-2")
        elif request in ("continue", "previous"):
            at = self.tree.position[current]
            if request == "continue":
                ahead = [n for n in items if self.tree.position[n] > at and self.enabled12(n)]
                deliver = ahead[0] if ahead else None
            else:
                behind = [n for n in items if self.tree.position[n] < at and self.enabled12(n)]
                if not behind:
                    raise SequencingError("SB.2.1-3")
                deliver = behind[-1]
            if deliver is None:
                self.s(current).is_active = False
                overall_rollup(self.tree, self.states, current, self.g)
                self.end_session()
                return None
        elif request in ("exit", "abandon"):
            if not self.active(current):
                raise SequencingError("NB.2.1-12")
            self.s(current).is_active = False
            overall_rollup(self.tree, self.states, current, self.g)
            return None
        else:  # exitAll, abandonAll, suspendAll
            for node in self.tree.path_to_root(current):
                self.s(node).is_active = False
                self.s(node).is_suspended = request == "suspendAll"
            overall_rollup(self.tree, self.states, current, self.g)
            self.end_session()
            return None
        if self.active(current):
            self.s(current).is_active = False
            overall_rollup(self.tree, self.states, current, self.g)
        s = self.s(deliver)
        if s.is_suspended:
            s.is_suspended = False
        else:
            s.attempt_count += 1
        for node in self.tree.path_to_root(deliver):
            self.s(node).is_suspended = False
            self.s(node).is_active = True
        for node in self.tree.preorder:
            found = self.states.get(node)
            if found is not None and found.is_suspended:
                found.is_suspended = False
            if found is not None and found.is_active and not self.tree.is_ancestor(node, deliver):
                found.is_active = False
        self.current = deliver
        return deliver


def reset(s: ActivityState) -> None:
    """Initialise attempt and objective progress information for a new attempt."""
    s.attempt_progress_status = False
    s.attempt_completion_status = False
    s.attempt_completion_amount = None
    s.attempt_duration_seconds = 0.0
    s.objective_progress_status = False
    s.objective_satisfied_status = False
    s.objective_measure_status = False
    s.objective_normalized_measure = 0.0
    s.objectives = {
        key: {"satisfied": None, "measure": None, "completion": None, "progress_measure": None}
        for key in s.objectives
    }


def run(tree: Tree, states, current_id, request: str, target_id, global_objectives) -> NavResult:
    """Run one navigation request on copies; on success copy the results back."""
    if not isinstance(request, str):
        request = ""
    target_id = _an_id(target_id)
    current_id = _an_id(current_id)
    work = {key: value.copy() for key, value in states.items()}
    work_globals = {
        key: dict(value) for key, value in global_objectives.items() if isinstance(value, dict)
    }
    session = Session(tree, work, current_id, work_globals)
    try:
        deliver = session.run(request, target_id)
    except SequencingError as exc:
        return NavResult(
            deliver_id=None,
            error=exc.code,
            message=exc.message,
            current_id=current_id if current_id in tree.nodes else None,
        )
    states.clear()
    states.update(work)
    global_objectives.clear()
    global_objectives.update(work_globals)
    return NavResult(deliver_id=deliver, current_id=session.current, ended=session.ended)


def _an_id(value) -> int | None:
    """An activity id as given, or None for anything that is not an integer (-1: not one)."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        return -1
    return value
