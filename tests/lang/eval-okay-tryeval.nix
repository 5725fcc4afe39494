with builtins;
[
  (tryEval 1) (tryEval (throw "no")) (tryEval (assert false; 1)) ((tryEval { a = throw "lazy"; }).success)
  ((tryEval (throw "x")).success) (tryEval (tryEval (throw "inner")).value)
]
